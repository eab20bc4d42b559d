"""Callbacks for ``fit``: checkpointing (with history and curves), a line per epoch, early stopping."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from .. import checkpoint
from .loop import Callback, TrainContext


class Checkpointing(Callback):
    """Saves a checkpoint, the history and the curves while training, so a run can resume.

    Save a checkpoint, ``history.json``/``.csv`` and ``curves.png`` into ``folder`` at the end
    of every epoch, on interruption (Ctrl-C, SIGTERM), and every ``every_steps`` steps if set.

    ``meta`` (model name and configuration, training options, dataset) goes into the JSON.
    A checkpoint costs what its bytes cost: the history changes only at an epoch's end, so a
    step checkpoint writes no history; and drawing ``curves.png`` (matplotlib, 0.1-0.3 s, more
    than a small model's epoch) is redrawn only when the time since the last drawing is at least
    ``1 / curves_share`` times what the drawing took, and always at the last epoch, when
    training stops (put ``EarlyStopping`` before this callback) or is interrupted.
    """

    def __init__(self, folder, meta: dict | None = None, every_steps: int | None = None,
                 curves_share: float = 0.1):
        self.folder = Path(folder)
        self.meta = dict(meta or {})
        self.every_steps = every_steps
        self.curves_share = curves_share
        self._history_written = None  # number of history rows in the files written last
        self._curves_drawn = None  # number of rows drawn last
        self._curves_next = 0.0  # time.perf_counter() after which the curves may be redrawn

    def save(self, ctx: TrainContext, final: bool = False) -> None:
        state = ctx.state
        meta = {**self.meta, "global_step": state.global_step, "progress": state.progress(),
                "history": list(state.history), "finished": state.epoch >= ctx.epochs}
        checkpoint.save(self.folder, ctx.model, ctx.optimizer, ctx.scheduler, meta)
        rows = len(state.history)
        if self._history_written != rows:
            state.history.save(self.folder, curves=False)
            self._history_written = rows
        final = final or state.stop or state.epoch >= ctx.epochs
        if rows and self._curves_drawn != rows and (final or time.perf_counter() >= self._curves_next):
            started = time.perf_counter()
            state.history.save_curves(self.folder)
            cost = time.perf_counter() - started
            self._curves_drawn, self._curves_next = rows, started + cost / self.curves_share

    def on_step_end(self, ctx):
        if self.every_steps and ctx.state.global_step % self.every_steps == 0:
            self.save(ctx)

    def on_epoch_end(self, ctx):
        self.save(ctx)

    def on_interrupt(self, ctx):
        self.save(ctx, final=True)


class EpochLog(Callback):
    """Print one line per epoch as it ends: train and test loss and accuracy, and its time."""

    def __init__(self, file=None):
        self.file = file

    def on_epoch_end(self, ctx):
        print(format_epoch(ctx.state.history[-1]), file=self.file or sys.stdout, flush=True)


def format_epoch(row: dict) -> str:
    """``epoch   3  train loss 0.1234  acc 0.9650  test loss ...  acc ...  1.23 s`` (``-``: not measured)."""

    def number(key):
        value = row.get(key)
        return "-" if value is None else f"{value:.4f}"

    seconds = row.get("seconds") or 0.0
    return (f"epoch {row['epoch']:3d}  train loss {number('train_loss')}  acc {number('train_accuracy')}"
            f"  test loss {number('test_loss')}  acc {number('test_accuracy')}  {seconds:.2f} s")


class EarlyStopping(Callback):
    """Stops training when the watched number has stopped improving.

    Stop when ``monitor`` (default ``test_loss``) has not improved by ``min_delta`` for
    ``patience`` epochs. For accuracies, higher is better."""

    def __init__(self, patience: int = 5, monitor: str = "test_loss", min_delta: float = 0.0):
        self.patience, self.monitor, self.min_delta = patience, monitor, min_delta
        self.best = None
        self.bad_epochs = 0

    def on_epoch_end(self, ctx):
        value = ctx.state.history[-1].get(self.monitor)
        if value is None:
            return
        sign = -1 if "accuracy" in self.monitor else 1
        if self.best is None or sign * (value - self.best) < -self.min_delta:
            self.best, self.bad_epochs = value, 0
        else:
            self.bad_epochs += 1
            if self.bad_epochs >= self.patience:
                ctx.state.stop = True
