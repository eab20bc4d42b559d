"""``scratchdl experiment`` and ``scratchdl report`` as a user runs them."""

import json

import pytest

from scratchdl import experiments
from scratchdl.experiments import activations, learning_rate

ALL = len(activations.CHECKS)  # the activations topic: every check holds, quick or full


def test_list_names_every_experiment(cli):
    status, out, err = cli("experiment", "--list")
    assert status == 0 and err == ""
    listed = [line.split()[0] for line in out.strip().splitlines()]
    assert listed == experiments.names()
    assert "Activation functions" in out


def test_experiment_prints_numbers_checks_and_figure_paths(cli, tmp_path):
    status, out, err = cli("experiment", "activations", "--quick", "--out", tmp_path / "act", "--lang", "ja")
    assert status == 0, err
    assert "sigmoid(0)" in out and "0.5" in out
    assert "[ok]" in out and "FAILED" not in out
    figures = [line.split("figure: ", 1)[1] for line in out.splitlines() if "figure: " in line]
    assert figures == [str(tmp_path / "act" / "activations.png")]
    assert (tmp_path / "act" / "activations.png").is_file()
    assert out.strip().splitlines()[-1].startswith(f"{ALL}/{ALL} checks passed")


@pytest.mark.parametrize("args, message", [
    (("experiment",), "give an experiment NAME"),
    (("experiment", "nope"), "unknown experiment 'nope'"),
    (("experiment", "sgd", "--lang", "fr"), "invalid choice: 'fr'"),
    (("experiment", "sgd", "--seed", "-1"), "must be >= 0"),
    (("experiment", "sgd", "--seed", "x"), "expected an integer"),
    (("report", "--only", "sgd,nope"), "unknown experiment 'nope'"),
    (("report", "--lang", "de"), "invalid choice: 'de'"),
])
def test_bad_options_exit_2_with_one_line(cli, args, message):
    status, out, err = cli(*args)
    assert status == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and message in err


def test_missing_experiment_module_is_one_line(cli, monkeypatch, tmp_path):
    monkeypatch.setitem(experiments.EXPERIMENTS, "cnn", "no_such_module")
    status, _, err = cli("experiment", "cnn", "--quick", "--out", tmp_path)
    assert status == 2
    assert len(err.strip().splitlines()) == 1 and "not available" in err


def test_report_writes_the_three_files(cli, tmp_path):
    status, out, err = cli("report", "--quick", "--only", "activations", "--out", tmp_path, "--lang", "en")
    assert status == 0, err
    assert f"[1/1] activations: {ALL}/{ALL} checks passed" in out
    for name in ("report.md", "report.html", "results.json"):
        assert (tmp_path / name).is_file()
        assert f"wrote {tmp_path / name}" in out


def test_report_exits_nonzero_when_an_experiment_raises(cli, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("bad")

    monkeypatch.setattr(learning_rate, "run", broken)
    status, out, err = cli("report", "--quick", "--only", "learning-rate,activations", "--out", tmp_path)
    assert status == 1
    assert "learning-rate: FAILED: ValueError: bad" in out
    assert f"activations: {ALL}/{ALL}" in out
    assert len(err.strip().splitlines()) == 1 and "1 experiment(s) failed" in err
    assert json.loads((tmp_path / "results.json").read_text())["failed"] == ["learning-rate"]
