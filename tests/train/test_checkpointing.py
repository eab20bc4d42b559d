"""A checkpoint costs what its bytes cost: step checkpoints write no history and draw no curves."""

import json
import time

import numpy as np
import pytest

from scratchdl import checkpoint, data, nn, optim
from scratchdl.models import MLP
from scratchdl.train import Checkpointing, EarlyStopping, fit, history


@pytest.fixture
def drawings(monkeypatch):
    """Count the curves drawn (each drawing takes ``delay`` seconds, and writes a stand-in file)
    and the history files written."""
    log = {"curves": [], "history": 0, "delay": 0.0}

    def counted_plot(rows, path):
        log["curves"].append(len(rows))
        time.sleep(log["delay"])
        path.write_bytes(b"png")

    save = history.History.save

    def counted_save(self, folder, curves=True):
        log["history"] += 1
        save(self, folder, curves)

    monkeypatch.setattr(history, "plot_curves", counted_plot)
    monkeypatch.setattr(history.History, "save", counted_save)
    return log


def train(folder, epochs=3, callbacks=(), **kwargs):
    train_set, test_set = data.load_splits("digits")
    model = MLP([64, 16, 10], rng=np.random.default_rng(0))
    opt = optim.Adam(model.parameters(), lr=0.003)
    saver = Checkpointing(folder, {"model": {"name": "mlp", "config": model.config}}, **kwargs)
    state = fit(model, nn.CrossEntropyLoss(), opt, train_set, test_set, epochs=epochs, batch_size=64,
                progress=False, callbacks=[*callbacks, saver])
    return state


def test_step_checkpoints_write_no_history_and_draw_no_curves(tmp_path, drawings):
    state = train(tmp_path, epochs=3, every_steps=1)
    assert state.global_step == 3 * 23
    assert drawings["history"] == 1 + 3  # at the first checkpoint, then once per epoch, not per step
    assert drawings["curves"] == [1, 2, 3]
    assert checkpoint.read_meta(tmp_path)["global_step"] == state.global_step
    assert len(json.loads((tmp_path / "history.json").read_text())) == 3
    assert (tmp_path / "curves.png").stat().st_size > 0


def test_curves_are_redrawn_within_their_time_share_and_always_at_the_end(tmp_path, drawings):
    drawings["delay"] = 0.05
    train(tmp_path, epochs=4, curves_share=1e-4)  # next drawing allowed 500 s after the first
    assert drawings["curves"] == [1, 4]
    assert drawings["history"] == 4  # every epoch: json and csv are cheap


def test_early_stopping_before_checkpointing_gets_final_curves(tmp_path, drawings):
    drawings["delay"] = 0.05
    stopper = EarlyStopping(patience=1, monitor="train_loss", min_delta=10.0)  # stops after epoch 2
    state = train(tmp_path, epochs=10, callbacks=[stopper], curves_share=1e-4)
    assert len(state.history) == 2
    assert drawings["curves"] == [1, 2]
