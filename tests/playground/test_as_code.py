"""Leaving the page: the "as a command" line and the "as Python" script run, and train the very network
the session trained (same data, initial weights and batches: the same test loss, to the digit)."""

import re
import shlex

import numpy as np
import pytest

from scratchdl import data
from scratchdl.cli import main
from scratchdl.playground import Session, as_code

SETTINGS = {"dataset": "xor", "hidden": [8, 6], "activation": "relu", "init": "he", "optimizer": "momentum",
            "lr": 0.05, "batch_size": 16, "batchnorm": True, "dropout": 0.1, "weight_decay": 0.001, "seed": 2}


def trained(settings, epochs):
    session = Session(settings)
    for _ in range(epochs):
        session.train_epoch()
    return session


def run_command(line, capsys):
    """The line, as the page shows it, run by scratchdl's CLI; (status, stdout)."""
    words = shlex.split(line)
    assert words[:2] == ["scratchdl", "train"]
    status = main(words[1:] + ["--no-progress"])
    return status, capsys.readouterr().out


def last_test_loss(stdout):
    return float(re.findall(r"test loss (\d+\.\d+)", stdout)[-1])


def test_the_command_trains_the_same_network(tmp_path, monkeypatch, capsys):
    session = trained(SETTINGS, 5)
    line = as_code.command(session.settings, session.epoch)
    assert "--dataset xor" in line and "--epochs 5" in line and "--activation relu" in line
    monkeypatch.chdir(tmp_path)
    status, stdout = run_command(line, capsys)
    assert status == 0 and "on xor, mlp" in stdout
    assert last_test_loss(stdout) == round(session.history[-1]["test_loss"], 4)
    accuracy = float(stdout.split("test accuracy: ")[1].split()[0])
    assert accuracy == round(session.history[-1]["test_accuracy"], 4) > 0.8


def test_a_setting_train_cannot_generate_goes_as_an_npz_of_the_pages_points(tmp_path, monkeypatch, capsys):
    settings = {"dataset": "circles", "noise": 0.15, "test_fraction": 0.3, "hidden": [8], "seed": 1}
    session = trained(settings, 4)
    assert as_code.needs_npz(session.settings) and not as_code.needs_npz(Session().settings)
    line = as_code.command(session.settings, session.epoch)
    assert "--dataset playground-circles.npz" in line
    monkeypatch.chdir(tmp_path)
    (tmp_path / "playground-circles.npz").write_bytes(as_code.data_npz(session.train_set, session.test_set))
    train = data.load("playground-circles.npz")
    np.testing.assert_array_equal(train.x, session.train_set.x)
    assert train.classes == ["inside", "outside"]
    status, stdout = run_command(line, capsys)
    assert status == 0
    assert last_test_loss(stdout) == round(session.history[-1]["test_loss"], 4)


def test_before_the_first_epoch_the_command_says_100():
    assert "--epochs 100" in as_code.command(Session().settings, 0)


SIGMOID = {"dataset": "spiral", "activation": "sigmoid", "init": "normal:1", "optimizer": "adam",
           "hidden": [5, 5, 5]}


@pytest.mark.parametrize("settings", [SETTINGS, SIGMOID])
def test_the_python_script_runs_and_reaches_the_sessions_accuracy(settings, capsys):
    session = trained(settings, 3)
    script = as_code.python(session.settings, session.epoch)
    assert "from scratchdl import data, nn, optim" in script
    assert "model.backward(loss_fn.backward())" in script
    assert len(script.splitlines()) < 40
    exec(compile(script, "as_python.py", "exec"), {"__name__": "__main__"})
    printed = capsys.readouterr().out
    assert printed.strip() == f"epoch 3: test accuracy {session.history[-1]['test_accuracy']:.4f}"


def test_python_script_builds_the_sessions_layers():
    session = Session(SETTINGS)
    namespace = {}
    script = as_code.python(session.settings, 0)
    exec(compile(script.split("loss_fn =")[0], "as_python.py", "exec"), namespace)
    assert repr(namespace["model"]) == repr(session.model)
    np.testing.assert_array_equal(namespace["model"][0].weight.data, session.model[0].weight.data)
