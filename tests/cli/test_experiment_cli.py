"""``scratchdl experiment`` and ``scratchdl report`` as a user runs them."""

import json
import re

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
    status, out, err = cli("experiment", "activations", "--quick", "--out", tmp_path / "act", "--lang", "en")
    assert status == 0, err
    assert "sigmoid(0)" in out and "0.5" in out
    assert "[ok]" in out and "FAILED" not in out
    figures = [line.split("figure: ", 1)[1] for line in out.splitlines() if "figure: " in line]
    assert figures == [str(tmp_path / "act" / "activations.png")]
    assert (tmp_path / "act" / "activations.png").is_file()
    assert not list((tmp_path / "act").glob("*.phone.png"))  # only the report makes phone renditions
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


def test_experiment_in_japanese_prints_no_english_but_names_and_formulas(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("SCRATCHDL_LANG", "ja")  # the default of --lang, as a Japanese locale would set it
    status, out, err = cli("experiment", "activations", "--quick", "--out", tmp_path / "act")
    assert status == 0, err
    lines = out.strip().splitlines()
    assert lines[0] == "activations: 活性化関数とその微分"
    assert "  sigmoid'(z) の最大値" in out and "softmax / 1000 付近 / すべて有限" in out
    assert "[合格] σ(0) = 0.5" in out and f"  図: {tmp_path / 'act' / 'activations.png'}" in out
    assert re.fullmatch(rf"検証 {ALL}/{ALL} 件に合格 \(\d+\.\d 秒\)", lines[-1]), lines[-1]
    english = {"checks", "passed", "figure", "ok", "FAILED", "true", "false", "max", "range", "error"}
    assert not english & set(re.findall(r"[A-Za-z]+", out)), out
    # --lang wins over the environment
    english_run = cli("experiment", "activations", "--quick", "--out", tmp_path / "en", "--lang", "en")
    assert f"{ALL}/{ALL} checks passed" in english_run[1]


def test_an_unknown_language_in_the_environment_is_one_line(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("SCRATCHDL_LANG", "fr")
    status, out, err = cli("report", "--quick", "--only", "activations", "--out", tmp_path)
    assert status == 2 and out == ""
    assert err.strip().splitlines() == [err.strip()] and "SCRATCHDL_LANG" in err and "'fr'" in err
    assert not (tmp_path / "activations").exists()


def test_report_in_japanese_says_its_progress_in_japanese(cli, tmp_path):
    status, out, err = cli("report", "--quick", "--only", "activations", "--out", tmp_path, "--lang", "ja")
    assert status == 0, err
    lines = out.strip().splitlines()
    progress = rf"\[1/1\] activations: 検証 {ALL}/{ALL} 件に合格、図 1 枚、\d+\.\d 秒"
    assert re.fullmatch(progress, lines[0]), lines[0]
    files = ("report.md", "report.html", "results.json")
    assert lines[1:] == [f"書き出し: {tmp_path / name}" for name in files]
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    numbers = markdown.split("<summary>")[1].split("</details>")[0]
    assert "| sigmoid'(z) の最大値 | 0.25 |" in numbers
    assert "| softmax / 大きさ 10 / すべて有限 | はい |" in numbers
    assert "max_abs_sum_minus_1" not in markdown
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert "max_abs_sum_minus_1" in results["experiments"][0]["numbers"]["softmax"]["scale_10"]  # keys stay


@pytest.mark.parametrize(("lang", "said"), [("en", "interrupted"), ("ja", "中断しました")])
def test_ctrl_c_is_one_line_in_the_language_asked_and_exit_130(cli, tmp_path, monkeypatch, lang, said):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(experiments, "run", interrupted)
    status, out, err = cli("experiment", "sgd", "--quick", "--out", tmp_path, "--lang", lang)
    assert (status, out, err) == (130, "", f"scratchdl experiment: {said}\n")
