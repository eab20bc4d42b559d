"""Callbacks for ``fit``: checkpointing (with history and curves) and early stopping."""

from __future__ import annotations

from pathlib import Path

from .. import checkpoint
from .loop import Callback, TrainContext


class Checkpointing(Callback):
    """Saves a checkpoint, the history and the curves while training, so a run can resume.

    Save a checkpoint, ``history.json``/``.csv`` and ``curves.png`` into ``folder`` at the end
    of every epoch, on interruption (Ctrl-C, SIGTERM), and every ``every_steps`` steps if set.

    ``meta`` (model name and configuration, training options, dataset) goes into the JSON.
    """

    def __init__(self, folder, meta: dict | None = None, every_steps: int | None = None):
        self.folder = Path(folder)
        self.meta = dict(meta or {})
        self.every_steps = every_steps

    def save(self, ctx: TrainContext) -> None:
        state = ctx.state
        meta = {**self.meta, "global_step": state.global_step, "progress": state.progress(),
                "history": list(state.history), "finished": state.epoch >= ctx.epochs}
        checkpoint.save(self.folder, ctx.model, ctx.optimizer, ctx.scheduler, meta)
        state.history.save(self.folder)

    def on_step_end(self, ctx):
        if self.every_steps and ctx.state.global_step % self.every_steps == 0:
            self.save(ctx)

    def on_epoch_end(self, ctx):
        self.save(ctx)

    def on_interrupt(self, ctx):
        self.save(ctx)


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
