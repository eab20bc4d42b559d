"""A run stopped mid-epoch and resumed has the whole history of the run that was never stopped (the
timing columns aside): the epoch it was stopped in counts the loss and accuracy of the steps before
the stop too, in ``fit``'s returned state and in history.json, which is what a learner plots."""

import json
import os
import signal

import numpy as np
import pytest

import scratchdl
from scratchdl import checkpoint, data, nn, optim
from scratchdl.models import MLP
from scratchdl.train import Callback, Checkpointing, TrainState, fit, history

TIMING = ("seconds", "samples_per_second")
EPOCHS, BATCH = 3, 32  # spiral: 240 training samples, 8 steps per epoch


def without_timing(history):
    return [{k: v for k, v in row.items() if k not in TIMING} for row in history]


def setup():
    scratchdl.seed(3)
    model = MLP([2, 32, 32, 3], dropout=0.1, batchnorm=True)
    return model, optim.Momentum(model.parameters(), lr=0.05)


def train(model, opt, callbacks=(), state=None):
    train_set, test_set = data.load_splits("spiral", seed=0)
    return fit(model, nn.CrossEntropyLoss(), opt, train_set, test_set, epochs=EPOCHS, batch_size=BATCH,
               seed=7, scheduler=optim.StepLR(opt, step_size=1, gamma=0.5), progress=False, state=state,
               callbacks=callbacks)


class InterruptAt(Callback):
    """A real Ctrl-C (SIGINT to this process) after global step ``step``."""

    def __init__(self, step):
        self.step = step

    def on_step_end(self, ctx):
        if ctx.state.global_step == self.step:
            os.kill(os.getpid(), signal.SIGINT)


@pytest.fixture(scope="module")
def uninterrupted():
    model, opt = setup()
    return without_timing(train(model, opt).history)


@pytest.mark.parametrize("stop", [3, 13, 22])
def test_a_resumed_run_has_the_history_of_one_never_stopped(tmp_path, monkeypatch, uninterrupted, stop):
    monkeypatch.setattr(history.History, "save_curves", lambda self, folder: None)  # not needed here
    model, opt = setup()
    saver = Checkpointing(tmp_path, meta={"model": {"name": "mlp", "config": model.config}})
    stopped = train(model, opt, [saver, InterruptAt(stop)])
    assert stopped.interrupted and stopped.global_step == stop

    ckpt = checkpoint.load(tmp_path)  # a new process would start here: new model, optimizer, scheduler
    model = checkpoint.build_model(ckpt.meta)
    opt = optim.Momentum(model.parameters(), lr=0.05)
    scheduler = optim.StepLR(opt, step_size=1, gamma=0.5)
    checkpoint.restore(ckpt, model, opt, scheduler)
    state = TrainState.from_progress(ckpt.meta["progress"], ckpt.meta["history"])
    train_set, test_set = data.load_splits("spiral", seed=0)
    resumed = fit(model, nn.CrossEntropyLoss(), opt, train_set, test_set, epochs=EPOCHS, batch_size=BATCH,
                  seed=7, scheduler=scheduler, progress=False, state=state, callbacks=[saver])

    assert without_timing(resumed.history) == uninterrupted
    on_disk = json.loads((tmp_path / "history.json").read_text())
    assert without_timing(on_disk) == uninterrupted
    assert uninterrupted[-1]["train_accuracy"] > 0.5 and len({r["lr"] for r in uninterrupted}) == EPOCHS
    assert all(np.isfinite(r["train_loss"]) for r in uninterrupted)
