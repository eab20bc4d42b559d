"""``fit``: the training loop a learner draws on paper, with progress, metrics and callbacks.

One step reads as the math does::

    y = model(x); loss = loss_fn(y, t)
    optimizer.zero_grad(); model.backward(loss_fn.backward()); optimizer.step()

One epoch is one shuffled pass over every training sample (``DataLoader``). Everything a
resumed run needs to continue bit for bit (epoch, step, running sums, the generator's state)
lives in ``TrainState``; callbacks save it.
"""

from __future__ import annotations

import contextlib
import math
import signal
import sys
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from ..backend import default_rng, to_numpy
from ..data import DataLoader
from ..errors import ScratchDLError
from .evaluate import evaluate
from .history import History


class TrainingDiverged(ScratchDLError):
    """The loss became NaN or Inf; training stopped before the bad step was applied."""


@dataclass
class TrainState:
    """Where training is: the epoch in progress, batches done in it, and its running sums."""

    epoch: int = 0
    step: int = 0
    global_step: int = 0
    loss_sum: float = 0.0
    correct: int = 0
    seen: int = 0
    history: History = field(default_factory=History)
    stop: bool = False
    interrupted: bool = False

    def progress(self) -> dict:
        """The JSON-able part of the state, with the generator's state, for a checkpoint."""
        keys = ("epoch", "step", "global_step", "loss_sum", "correct", "seen")
        return {**{k: getattr(self, k) for k in keys}, "rng": default_rng().bit_generator.state}

    @classmethod
    def from_progress(cls, progress: dict, history=()) -> TrainState:
        """The state a checkpoint saved; also puts the library generator back where it was."""
        default_rng().bit_generator.state = progress["rng"]
        keys = ("epoch", "step", "global_step", "loss_sum", "correct", "seen")
        return cls(**{k: progress[k] for k in keys}, history=History(history))


@dataclass
class TrainContext:
    """What callbacks see."""

    model: object
    loss_fn: object
    optimizer: object
    scheduler: object
    state: TrainState
    epochs: int


class Callback:
    """The base of training hooks, which fit calls after each step and epoch and on interruption.

    Hooks called by ``fit``; each gets the ``TrainContext``."""

    def on_step_end(self, ctx: TrainContext) -> None: ...

    def on_epoch_end(self, ctx: TrainContext) -> None: ...

    def on_interrupt(self, ctx: TrainContext) -> None: ...


class _StopRequest:
    """While installed, SIGINT/SIGTERM set a flag the loop reads between steps, so an
    interruption never lands inside an update. A second Ctrl-C interrupts at once."""

    def __init__(self):
        self.requested = False
        self._old = {}

    def _handle(self, signum, frame):
        if self.requested and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc):
        for sig, old in self._old.items():
            signal.signal(sig, old)


def fit(model, loss_fn, optimizer, train_data, val_data=None, epochs: int = 10, batch_size: int = 32,
        seed: int = 0, scheduler=None, callbacks=(), progress: bool = True,
        state: TrainState | None = None) -> TrainState:
    """Train ``model`` for ``epochs`` epochs (continuing from ``state`` if given).

    Returns the final ``TrainState``; its ``history`` has one row per epoch with train and test
    loss and accuracy, learning rate, seconds and samples per second. Raises
    ``TrainingDiverged`` if the loss becomes NaN or Inf.
    """
    state = state or TrainState()
    loader = DataLoader(train_data, batch_size=batch_size, shuffle=True, seed=seed)
    ctx = TrainContext(model, loss_fn, optimizer, scheduler, state, epochs)
    classify = train_data.num_classes is not None
    # NaN/Inf is caught by the guard below with its epoch and step; NumPy's warnings add nothing.
    with _StopRequest() as stop, _without_input_grad(model), \
            np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        while state.epoch < epochs and not state.stop:
            model.train()
            started = time.perf_counter()
            first = state.seen
            bar = tqdm(total=len(loader), initial=state.step, desc=f"epoch {state.epoch + 1}/{epochs}",
                       disable=not _show_bar(progress), leave=False, unit="batch")
            for x, t in loader.epoch(state.epoch, start=state.step):
                y = model(x)
                loss = loss_fn(y, t)
                if not math.isfinite(loss):
                    bar.close()
                    raise TrainingDiverged(
                        f"loss became {loss} at epoch {state.epoch + 1}, step {state.step + 1}; "
                        "stopped before applying that step"
                    )
                optimizer.zero_grad()
                model.backward(loss_fn.backward())
                optimizer.step()
                state.step += 1
                state.global_step += 1
                state.loss_sum += loss * len(x)
                state.seen += len(x)
                if classify:
                    state.correct += int((to_numpy(y.argmax(axis=1)) == to_numpy(t)).sum())
                rate = (state.seen - first) / max(time.perf_counter() - started, 1e-9)
                bar.update()
                bar.set_postfix(loss=f"{state.loss_sum / state.seen:.4f}",
                                acc=f"{state.correct / state.seen:.3f}" if classify else "-",
                                samples_s=f"{rate:.0f}")
                for cb in callbacks:
                    cb.on_step_end(ctx)
                if stop.requested:
                    break
            bar.close()
            if stop.requested:
                state.stop = state.interrupted = True
                for cb in callbacks:
                    cb.on_interrupt(ctx)
                break
            _end_epoch(ctx, val_data, classify, time.perf_counter() - started, state.seen - first)
            for cb in callbacks:
                cb.on_epoch_end(ctx)
    return state


def _show_bar(progress: bool) -> bool:
    """Per-batch progress bars only where a person watches (a terminal or a notebook); output
    redirected to a file gets none (the CLI prints one line per epoch instead)."""
    return progress and (sys.stderr.isatty() or "ipykernel" in sys.modules)


@contextlib.contextmanager
def _without_input_grad(model):
    """Training needs no gradient with respect to the data: the first layer skips that product
    while ``fit`` runs (``Module.requires_input_grad``), as PyTorch does for data without grad."""
    model.requires_input_grad(False)
    try:
        yield
    finally:
        model.requires_input_grad(True)


def _end_epoch(ctx: TrainContext, val_data, classify: bool, seconds: float, samples: int) -> None:
    state = ctx.state
    row = {
        "epoch": state.epoch + 1,
        "train_loss": state.loss_sum / max(state.seen, 1),
        "train_accuracy": state.correct / max(state.seen, 1) if classify else None,
        "test_loss": None,
        "test_accuracy": None,
        "lr": ctx.optimizer.lr,
        "seconds": seconds,
        "samples_per_second": samples / max(seconds, 1e-9),
    }
    if val_data is not None:
        if classify:
            result = evaluate(ctx.model, ctx.loss_fn, val_data)
            row["test_loss"], row["test_accuracy"] = result.loss, result.accuracy
        else:
            from .evaluate import predict_logits

            row["test_loss"] = ctx.loss_fn(predict_logits(ctx.model, val_data.x), val_data.t)
    state.history.append(row)
    if ctx.scheduler is not None:
        ctx.scheduler.step()
    state.epoch += 1
    state.step = state.seen = state.correct = 0
    state.loss_sum = 0.0


def accuracy(model, dataset) -> float:
    """Fraction of ``dataset`` classified correctly."""
    from .evaluate import predict_logits

    predicted = to_numpy(predict_logits(model, dataset.x).argmax(axis=1))
    return float(np.mean(predicted == to_numpy(dataset.t)))
