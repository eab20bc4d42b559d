"""The training loop: learning, history, the NaN guard, early stopping, interruption and exact resume."""

import os
import signal

import numpy as np
import pytest

import scratchdl
from scratchdl import checkpoint, data, nn, optim
from scratchdl.models import MLP
from scratchdl.train import (
    Callback,
    Checkpointing,
    EarlyStopping,
    TrainingDiverged,
    TrainState,
    evaluate,
    fit,
    raise_on_interrupt,
)


def setup(seed=0, dropout=0.2):
    scratchdl.seed(seed)
    model = MLP([2, 32, 32, 3], dropout=dropout, batchnorm=True)
    return model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.02)


def spiral():
    return data.load_splits("spiral", seed=0)


def test_fit_learns_and_records_history():
    train, test = spiral()
    model, loss_fn, opt = setup()
    state = fit(model, loss_fn, opt, train, test, epochs=15, batch_size=32, progress=False)
    h = state.history
    assert [row["epoch"] for row in h] == list(range(1, 16))
    assert h[-1]["train_loss"] < h[0]["train_loss"]
    assert h[-1]["test_accuracy"] > 0.85
    assert all(row["samples_per_second"] > 0 and row["lr"] == 0.02 for row in h)
    result = evaluate(model, loss_fn, test)
    assert result.confusion_matrix.sum() == len(test)
    assert result.accuracy == pytest.approx(np.trace(result.confusion_matrix) / len(test))
    assert result.per_class_accuracy.shape == (3,)


def test_nan_guard_stops_before_the_bad_step():
    train, _ = spiral()
    model, loss_fn, opt = setup(dropout=0.0)
    opt.lr = 1e30
    before = None

    class Keep(Callback):
        def on_step_end(self, ctx):
            nonlocal before
            before = {k: v.copy() for k, v in ctx.model.state_dict().items()}

    with pytest.raises(TrainingDiverged, match=r"epoch \d+, step \d+"):
        fit(model, loss_fn, opt, train, epochs=50, batch_size=32, progress=False, callbacks=[Keep()])
    assert before is not None


def test_early_stopping_stops():
    train, test = spiral()
    model, loss_fn, opt = setup()
    stopper = EarlyStopping(patience=1, monitor="test_loss", min_delta=10.0)
    state = fit(model, loss_fn, opt, train, test, epochs=20, progress=False, callbacks=[stopper])
    assert len(state.history) == 2


class SignalAt(Callback):
    """Sends this process a real SIGINT after global step ``step``."""

    def __init__(self, step):
        self.step = step

    def on_step_end(self, ctx):
        if ctx.state.global_step == self.step:
            os.kill(os.getpid(), signal.SIGINT)


@pytest.mark.parametrize("stop_step", [1, 8, 13, 23])  # 8 batches per epoch
def test_interrupted_and_resumed_run_is_bit_identical(tmp_path, stop_step):
    train, test = spiral()
    model, loss_fn, opt = setup(seed=3)
    fit(model, loss_fn, opt, train, test, epochs=3, batch_size=32, seed=7, progress=False)
    reference = model.state_dict()

    model, loss_fn, opt = setup(seed=3)
    saver = Checkpointing(tmp_path, meta={"model": {"name": "mlp", "config": model.config}})
    state = fit(model, loss_fn, opt, train, test, epochs=3, batch_size=32, seed=7, progress=False,
                callbacks=[saver, SignalAt(stop_step)])
    assert state.interrupted and state.global_step == stop_step

    scratchdl.seed(12345)  # whatever the generator holds now, resuming restores the saved state
    ckpt = checkpoint.load(tmp_path)
    model = checkpoint.build_model(ckpt.meta)
    opt = optim.Adam(model.parameters(), lr=0.02)
    checkpoint.restore(ckpt, model, opt)
    state = TrainState.from_progress(ckpt.meta["progress"], ckpt.meta["history"])
    state = fit(model, nn.CrossEntropyLoss(), opt, train, test, epochs=3, batch_size=32, seed=7,
                progress=False, state=state, callbacks=[saver])
    assert len(state.history) == 3
    for name, array in model.state_dict().items():
        assert np.array_equal(array, reference[name]), name


def test_inside_raise_on_interrupt_ctrl_c_raises_at_once():
    """Experiments train several models in a row: Ctrl-C must end them all, not the current one."""
    train, test = spiral()
    model, loss_fn, opt = setup()
    state = TrainState()
    with raise_on_interrupt(), pytest.raises(KeyboardInterrupt):
        fit(model, loss_fn, opt, train, test, epochs=3, batch_size=32, progress=False, state=state,
            callbacks=[SignalAt(5)])
    assert state.global_step == 5 and not state.interrupted
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    state = fit(model, loss_fn, opt, train, test, epochs=3, batch_size=32, progress=False,
                callbacks=[SignalAt(2)])  # outside the block: the graceful stop again
    assert state.interrupted and state.global_step == 2


def test_checkpointing_writes_history_and_curves(tmp_path):
    train, test = spiral()
    model, loss_fn, opt = setup()
    fit(model, loss_fn, opt, train, test, epochs=2, progress=False,
        callbacks=[Checkpointing(tmp_path, meta={"model": {"name": "mlp", "config": model.config}})])
    assert {"history.json", "history.csv", "curves.png", "checkpoint.json"} <= {
        p.name for p in tmp_path.iterdir()}
    assert (tmp_path / "history.csv").read_text().splitlines()[0].startswith("epoch,train_loss")
    from PIL import Image

    with Image.open(tmp_path / "curves.png") as image:
        assert image.size[0] > 300 and len(np.unique(np.asarray(image.convert("L")))) > 10
