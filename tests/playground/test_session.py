"""The playground's training session, driven without a browser: it learns, it reproduces, it measures
what the page shows (vanishing gradients with numbers), and it survives a diverging setting."""

import json

import numpy as np
import pytest

from scratchdl import data, models, nn
from scratchdl.errors import ConfigError
from scratchdl.playground import Session
from scratchdl.playground.session import MAX_HISTORY, build_model


def test_default_setting_learns_the_spiral():
    session = Session()
    start = session.history[-1]
    for _ in range(40):
        record = session.train_epoch()
    assert record["epoch"] == session.epoch == 40 and len(session.history) == 41
    assert record["test_loss"] < start["test_loss"] / 2
    assert record["test_accuracy"] >= 0.9
    assert len(record["grad_norms"]) == 3 and all(g > 0 for g in record["grad_norms"])


def test_same_setting_same_run_and_reset_replays_it():
    a, b = Session({"seed": 3}), Session({"seed": 3})
    runs = [[s.train_epoch()["test_loss"] for _ in range(3)] for s in (a, b)]
    assert runs[0] == runs[1]
    a.reset()
    assert a.epoch == 0 and a.run == 2 and len(a.history) == 1
    assert [a.train_epoch()["test_loss"] for _ in range(3)] == runs[0]


def test_the_network_is_the_mlp_the_train_command_builds():
    settings = {"hidden": [5, 7], "activation": "gelu", "init": "he", "batchnorm": True, "dropout": 0.2}
    session = Session(settings)
    mlp = models.build("mlp", (2,), 3, hidden=[5, 7], activation="gelu", init="he_normal", batchnorm=True,
                       dropout=0.2)
    assert repr(session.model) == repr(mlp.layers)
    assert [type(layer).__name__ for layer in session.model] == [
        "Linear", "BatchNorm1d", "GELU", "Dropout", "Linear", "BatchNorm1d", "GELU", "Dropout", "Linear"]


def test_data_is_the_registrys():
    session = Session({"dataset": "circles", "seed": 4, "noise": 0.1, "test_fraction": 0.3})
    train, test = data.load_splits("circles", seed=4, noise=0.1, test_fraction=0.3)
    np.testing.assert_array_equal(session.train_set.x, train.x)
    np.testing.assert_array_equal(session.test_set.t, test.t)


def test_live_settings_keep_the_run_and_others_rebuild():
    session = Session()
    session.train_epoch()
    assert session.changed_live_at is None
    session.update({"lr": 0.1, "batch_size": 20})
    assert session.run == 1 and session.epoch == 1 and session.optimizer.lr == 0.1
    assert session.changed_live_at == 1
    assert session.loader.batch_size == 20
    session.update({"activation": "relu"})
    assert session.run == 2 and session.epoch == 0 and isinstance(session.model[1], nn.ReLU)
    assert session.changed_live_at is None
    version = session.data_version
    session.update({"optimizer": "sgd"})
    assert session.data_version == version and session.run == 3
    session.regenerate()
    assert session.settings["seed"] == 1 and session.data_version == version + 1
    with pytest.raises(ConfigError, match="unknown value 'swish'"):
        session.update({"activation": "swish"})
    assert session.settings["activation"] == "relu" and session.run == 4


def test_history_is_thinned_keeping_the_newest():
    session = Session({"hidden": [2]})
    session.history = [{"epoch": e} for e in range(MAX_HISTORY)]
    session.epoch = MAX_HISTORY
    session.train_epoch()
    epochs = [r["epoch"] for r in session.history]
    assert len(epochs) <= MAX_HISTORY // 2 + 1 and epochs[-1] == MAX_HISTORY + 1
    assert epochs == sorted(epochs)


def first_over_last(settings, epochs=1):
    session = Session(settings)
    for _ in range(epochs):
        norms = session.train_epoch()["grad_norms"]
    return norms[0] / norms[-1]


def test_sigmoid_with_n01_over_8_layers_vanishes_where_relu_with_he_does_not():
    """The page's gradient view in numbers: the first layer's mean ||dL/dW|| over the first epoch,
    against the output layer's, in an 8-layer network (seed 0)."""
    deep = [16] * 8
    sigmoid = first_over_last({"activation": "sigmoid", "init": "normal:1", "hidden": deep})
    sigmoid_xavier = first_over_last({"activation": "sigmoid", "init": "xavier", "hidden": deep})
    relu = first_over_last({"activation": "relu", "init": "he", "hidden": deep})
    assert sigmoid < 1e-2 and sigmoid_xavier < 1e-3  # orders of magnitude below the last layer
    assert 0.1 < relu < 10


def test_frame_holds_what_the_page_draws():
    session = Session({"hidden": [4, 3]})
    session.train_epoch()
    frame = session.frame()
    json.dumps(frame, allow_nan=False)
    assert frame["epoch"] == 1 and frame["latest"] == session.history[-1]
    assert len(frame["layers"]) == 3 and "histogram" not in frame["layers"][-1]
    assert [len(layer["histogram"]) for layer in frame["layers"][:2]] == [20, 20]
    assert len(frame["units"]["layers"]) == 2
    assert session.frame(units=False).keys() == frame.keys() - {"units"}
    assert [row["out"] for row in session.layer_names()] == [4, 3, 3]
    assert session.layer_names()[0]["activation"] == "Tanh" and session.layer_names()[-1]["output"]
    points = session.points()
    assert len(points["train"]["x"]) == 240 and len(points["test"]["t"]) == 60 and points["extent"] == 1.5


def test_a_diverging_setting_stops_with_json_safe_numbers():
    session = Session({"optimizer": "sgd", "lr": 10.0, "init": "normal:1", "activation": "relu",
                       "hidden": [64] * 8})
    for _ in range(3):
        record = session.train_epoch()
    assert session.diverged and record["train_loss"] is None and session.epoch == 1
    json.dumps(session.frame(), allow_nan=False)
    session.update({"lr": 0.001, "init": "he"})
    assert not session.diverged and session.epoch == 0


def test_build_model_uses_the_given_generator():
    settings = {**Session().settings, "hidden": [3]}
    a = build_model(settings, 2, np.random.default_rng(5))
    b = build_model(settings, 2, np.random.default_rng(5))
    np.testing.assert_array_equal(a[0].weight.data, b[0].weight.data)
