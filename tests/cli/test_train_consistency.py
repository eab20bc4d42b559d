"""``scratchdl train`` agrees with itself: the accuracy it prints is the one ``eval`` measures on the
run's own test split, the options reach the optimizer, and a run resumed from its checkpoint ends
where the same run without a stop ends."""

from __future__ import annotations

import re

import numpy as np
import pytest

from scratchdl import checkpoint
from scratchdl.cli import main

ARGS = ["--model", "mlp", "--hidden", "8", "--dataset", "spiral", "--seed", "5", "--dtype", "float64",
        "--weight-decay", "0.01", "--no-progress"]


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    out = tmp_path_factory.mktemp("straight") / "run"
    assert main(["train", *ARGS, "--epochs", "2", "--out", str(out)]) == 0
    return out


def test_the_accuracy_train_prints_is_the_one_eval_measures(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", *ARGS, "--epochs", "2", "--out", str(out)]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    found = re.fullmatch(r"test accuracy: (\d\.\d{4}) \((\d+)/60\) on spiral, mlp, (\d+\.\d) s; "
                         r"saved in (.+)", last)
    assert found, last
    accuracy, correct, seconds, saved = found.groups()
    assert int(correct) == round(float(accuracy) * 60) and float(seconds) < 120 and saved == str(out)
    assert main(["eval", str(out)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(f"test accuracy: {accuracy} on spiral (60 samples)")


def test_the_run_records_its_data_its_world_and_its_optimizers_settings(straight):
    ckpt = checkpoint.load(straight)
    assert ckpt.meta["dataset"] == {"name": "spiral", "input_shape": [2], "num_classes": 3,
                                    "classes": ["0", "1", "2"]}
    assert ckpt.meta["processes"] == 1 and ckpt.meta["dtype"] == "float64"
    assert ckpt.meta["optimizer"]["hyper"]["weight_decay"] == 0.01


def test_a_resumed_run_ends_where_the_run_without_a_stop_ends(straight, tmp_path, capsys):
    resumed = tmp_path / "resumed"
    assert main(["train", *ARGS, "--epochs", "1", "--out", str(resumed)]) == 0
    assert main(["train", "--resume", str(resumed), "--epochs", "2", "--no-progress"]) == 0
    said = capsys.readouterr().out
    assert f"resuming {resumed} at epoch 2, step " in said
    one, two = checkpoint.load(straight), checkpoint.load(resumed)
    for key, value in one.model_state.items():
        np.testing.assert_array_equal(two.model_state[key], value, err_msg=key)
    for key, value in one.optimizer_state.items():
        np.testing.assert_array_equal(two.optimizer_state[key], value, err_msg=key)
    timing = {"seconds", "epoch_seconds", "time", "samples_per_second"}
    strip = [{k: v for k, v in row.items() if k not in timing} for row in one.meta["history"]]
    assert strip == [{k: v for k, v in row.items() if k not in timing} for row in two.meta["history"]]
