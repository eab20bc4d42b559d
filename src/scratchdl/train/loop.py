"""``fit``: the training loop a learner draws on paper, with progress, metrics and callbacks.

One step reads as the math does::

    y = model(x); loss = loss_fn(y, t)
    optimizer.zero_grad(); model.backward(loss_fn.backward()); optimizer.step()

One epoch is one shuffled pass over every training sample (``DataLoader``). Everything a
resumed run needs to continue bit for bit (epoch, step, running sums, the generator's state)
lives in ``TrainState``; callbacks save it.

``fit`` runs where the model's parameters are, or on ``device`` (``"cpu"``, ``"cuda"``): the
model and the optimizer's state move there once, each batch is copied there once, and the
running loss and accuracy stay there until a progress update or the end of the epoch reads them
(``train/device.py``).
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import signal
import sys
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from ..backend import default_rng, to_device, to_numpy
from ..data import DataLoader
from ..errors import ScratchDLError
from ..plotting import in_notebook
from .device import RunningSums, place
from .evaluate import evaluate
from .history import History
from .progress import progress_bar

# Seconds between two reads of the running loss and accuracy (the progress bar's numbers).
READ_EVERY = 0.5


class TrainingDiverged(ScratchDLError):
    """The loss became NaN or Inf, and training stopped.

    On the CPU it stops before the bad step is applied; on a GPU at the next read of the loss."""


@dataclass
class TrainState:
    """Where training is: the epoch in progress, batches done in it, and its running sums.

    While ``fit`` runs, the sums grow on the model's device; ``loss_sum`` and ``correct`` are
    brought up to date by ``sync()``, which ``fit`` calls at each progress update and epoch end,
    and ``progress()`` calls before a checkpoint is written.
    """

    epoch: int = 0
    step: int = 0
    global_step: int = 0
    loss_sum: float = 0.0
    correct: int = 0
    seen: int = 0
    history: History = field(default_factory=History)
    stop: bool = False
    interrupted: bool = False
    sums: RunningSums | None = field(default=None, repr=False, compare=False)
    synced_step: int = field(default=0, repr=False, compare=False)

    def sync(self) -> TrainState:
        """Read the running sums back from the device (one host read; none if nothing changed).

        Raises ``TrainingDiverged`` if the loss sum is NaN or Inf, so a checkpoint never holds
        a diverged run. On the CPU ``fit`` checks every step before applying it; on a GPU the
        loss is only seen here, and the steps since the last read have been applied.
        """
        if self.sums is None or self.synced_step == self.step:
            return self
        first = self.synced_step + 1
        self.loss_sum, self.correct = self.sums.read()
        self.synced_step = self.step
        if not math.isfinite(self.loss_sum):
            steps = f"step {self.step}" if first == self.step else f"steps {first}-{self.step}"
            raise TrainingDiverged(
                f"loss became {self.loss_sum} at epoch {self.epoch + 1}, {steps}; read back from "
                "the device only at progress updates, so those steps were applied"
            )
        return self

    def progress(self) -> dict:
        """The JSON-able part of the state, with the generator's state, for a checkpoint."""
        self.sync()
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
    comm: object = None  # scratchdl.distributed.Comm when training data-parallel, else None


class Callback:
    """The base of training hooks, which fit calls after each step and epoch and on interruption.

    Hooks called by ``fit``; each gets the ``TrainContext``."""

    def on_step_end(self, ctx: TrainContext) -> None: ...

    def on_epoch_end(self, ctx: TrainContext) -> None: ...

    def on_interrupt(self, ctx: TrainContext) -> None: ...


_RAISE_ON_INTERRUPT = contextvars.ContextVar("scratchdl_raise_on_interrupt", default=False)


@contextlib.contextmanager
def raise_on_interrupt():
    """Inside this block ``fit`` does not catch Ctrl-C: SIGINT raises ``KeyboardInterrupt`` at once
    and SIGTERM ends the process, as anywhere else in Python.

    ``fit`` alone turns them into a graceful stop (finish the step, call ``on_interrupt``, return
    with ``state.interrupted``), which suits a run that saves and resumes (``scratchdl train``, a
    notebook). A caller that trains several models in a row and judges their results (the
    experiments) must stop as a whole instead, rather than go on to the next run with a cut-short one.
    """
    token = _RAISE_ON_INTERRUPT.set(True)
    try:
        yield
    finally:
        _RAISE_ON_INTERRUPT.reset(token)


class _StopRequest:
    """While installed, SIGINT/SIGTERM set a flag the loop reads between steps, so an
    interruption never lands inside an update. A second Ctrl-C interrupts at once. Not installed
    inside ``raise_on_interrupt()``."""

    def __init__(self):
        self.requested = False
        self._old = {}

    def _handle(self, signum, frame):
        if self.requested and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self):
        if threading.current_thread() is threading.main_thread() and not _RAISE_ON_INTERRUPT.get():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc):
        for sig, old in self._old.items():
            signal.signal(sig, old)


def fit(model, loss_fn, optimizer, train_data, val_data=None, epochs: int = 10, batch_size: int = 32,
        seed: int = 0, scheduler=None, callbacks=(), progress: bool = True,
        state: TrainState | None = None, device: str | None = None, comm=None) -> TrainState:
    """Train ``model`` for ``epochs`` epochs (continuing from ``state`` if given).

    ``device`` (``"cpu"`` or ``"cuda"``) moves the model and the optimizer's state there first;
    None trains where the model's parameters are. Returns the final ``TrainState``; its
    ``history`` has one row per epoch with train and test loss and accuracy, learning rate,
    seconds, samples per second and the number of MPI processes. Raises ``TrainingDiverged`` if the
    loss becomes NaN or Inf (on the CPU, and under MPI, before the bad step is applied; on a GPU at
    the next read of the loss).

    ``comm`` (a ``scratchdl.distributed.Comm`` of several MPI processes, every one calling ``fit``):
    data-parallel training; ``batch_size`` is the global batch, each rank reads its share, the
    gradients and the metrics are summed over the ranks each step, and only rank 0 shows progress.
    """
    device = place(model, device, optimizer)
    state = state or TrainState()
    comm = comm if comm is not None and comm.size > 1 else None
    loader = DataLoader(train_data, batch_size=batch_size, shuffle=True, seed=seed)
    reducer = None
    if comm is not None:
        from ..distributed import GradientReducer, ShardedLoader, broadcast_parameters

        loader = ShardedLoader(train_data, batch_size, seed=seed, rank=comm.rank, size=comm.size)
        broadcast_parameters(model, comm=comm)
        reducer = GradientReducer(model.parameters(), comm, num_extras=3)
        progress = progress and comm.is_root
    ctx = TrainContext(model, loss_fn, optimizer, scheduler, state, epochs, comm=comm)
    classify = train_data.num_classes is not None
    # NaN/Inf is caught by the guard below with its epoch and step; NumPy's warnings add nothing.
    with _StopRequest() as stop, _without_input_grad(model), \
            np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        while state.epoch < epochs and not state.stop:
            model.train()
            started = time.perf_counter()
            first = state.seen
            desc = f"epoch {state.epoch + 1}/{epochs}"
            bar = progress_bar(total=len(loader), initial=state.step, desc=desc,
                               disable=not _show_bar(progress), leave=False, unit="batch")
            state.sums, state.synced_step = RunningSums(device, state.loss_sum, state.correct), state.step
            read_at = started
            stopping = False
            for x_host, t_host in loader.epoch(state.epoch, start=state.step):
                x, t = to_device(x_host, device), to_device(t_host, device)
                y = model(x)
                loss = _batch_loss(loss_fn, y, t_host, t)
                n, correct = len(x), (y.argmax(axis=1) == t).sum() if classify else None
                optimizer.zero_grad()
                model.backward(loss_fn.backward())
                if reducer is not None:  # one all-reduce: gradients weighted by n, loss, counts, Ctrl-C
                    n, (loss_n, correct, stops) = reducer(
                        n, (float(loss) * n, int(correct or 0), stop.requested),
                        n_global=loader.global_batch(state.step))
                    loss, stopping = float(loss_n) / n, bool(stops > 0)
                    correct = int(round(correct)) if classify else None
                # On the CPU (and under MPI, after the all-reduce) the loss is on the host: check it
                # before the step is applied. On a GPU a read waits for all queued work, so ``sync``
                # checks the sum at each read.
                if (device == "cpu" or reducer is not None) and not math.isfinite(loss):
                    bar.close()
                    raise TrainingDiverged(
                        f"loss became {loss} at epoch {state.epoch + 1}, step {state.step + 1}; "
                        "stopped before applying that step"
                    )
                optimizer.step()
                state.step += 1
                state.global_step += 1
                state.sums.add(loss, n, correct)
                state.seen += n
                bar.update()
                now = time.perf_counter()
                if now - read_at >= READ_EVERY:
                    read_at = now
                    state.sync()
                    bar.set_postfix(loss=f"{state.loss_sum / state.seen:.4f}",
                                    acc=f"{state.correct / state.seen:.3f}" if classify else "-",
                                    samples_s=f"{(state.seen - first) / max(now - started, 1e-9):.0f}")
                for cb in callbacks:
                    cb.on_step_end(ctx)
                stopping = stopping if reducer is not None else stop.requested  # all ranks agree
                if stopping:
                    break
            bar.close()
            state.sync()
            if stopping or (reducer is None and stop.requested):
                state.stop = state.interrupted = True
                for cb in callbacks:
                    cb.on_interrupt(ctx)
                break
            _end_epoch(ctx, val_data, classify, time.perf_counter() - started, state.seen - first)
            for cb in callbacks:
                cb.on_epoch_end(ctx)
    if reducer is not None:  # every rank ends here together; after an error the window lives until MPI ends
        reducer.close()
    return state


def _show_bar(progress: bool) -> bool:
    """Per-batch progress bars only where a person watches (a terminal or a notebook); output
    redirected to a file gets none (the CLI prints one line per epoch instead)."""
    return progress and (sys.stderr.isatty() or in_notebook())


@contextlib.contextmanager
def _without_input_grad(model):
    """Training needs no gradient with respect to the data: the first layer skips that product
    while ``fit`` runs (``Module.requires_input_grad``), as PyTorch does for data without grad."""
    model.requires_input_grad(False)
    try:
        yield
    finally:
        model.requires_input_grad(True)


def _batch_loss(loss_fn, y, t_host, t):
    """The batch's mean loss, left on the device: the target is checked on the host (``t_host``,
    no device read) and the loss computed from the device copy ``t``. A loss without
    ``check``/``value`` (see ``nn.loss``) is called and returns a float."""
    if hasattr(loss_fn, "value") and hasattr(loss_fn, "check"):
        loss_fn.check(y, t_host)
        return loss_fn.value(y, t)
    return loss_fn(y, t)


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
        "processes": ctx.comm.size if ctx.comm is not None else 1,
    }
    if val_data is not None:
        if classify:
            result = evaluate(ctx.model, ctx.loss_fn, val_data, comm=ctx.comm)
            row["test_loss"], row["test_accuracy"] = result.loss, result.accuracy
        else:
            from .evaluate import predict_logits

            row["test_loss"] = ctx.loss_fn(predict_logits(ctx.model, val_data.x), val_data.t)
    state.history.append(row)
    if ctx.scheduler is not None:
        ctx.scheduler.step()
    state.epoch += 1
    state.step = state.seen = state.correct = state.synced_step = 0
    state.loss_sum, state.sums = 0.0, None


def accuracy(model, dataset) -> float:
    """Fraction of ``dataset`` classified correctly."""
    from .evaluate import predict_logits

    predicted = to_numpy(predict_logits(model, dataset.x).argmax(axis=1))
    return float(np.mean(predicted == to_numpy(dataset.t)))
