"""``scratchdl experiment`` and ``report`` line by line, with the experiments replaced by recorders:
what reaches them (folder, --quick, --seed, language) and how their results are printed."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from scratchdl import experiments
from scratchdl.cli import experiment_cmds
from scratchdl.experiments.base import ExperimentResult


@pytest.fixture
def recorded(monkeypatch, tmp_path):
    """``experiments.run`` and ``write_report`` record their calls; the working folder is empty."""
    calls = []

    def run(name, out_dir, quick=False, lang="en", seed=0):
        calls.append({"name": name, "out": Path(out_dir), "quick": quick, "lang": lang, "seed": seed})
        return ExperimentResult(name=name, title="A title", claim="", seconds=1.25,
                                numbers={"short": 1, "a much longer key": 2, "学習率": 0.5},
                                checks={"one holds": True, "one does not": False},
                                notes=["a finding"], figures=[Path("fig.png")])

    def write_report(out_dir, quick=False, lang="en", names=None, seed=0, on_result=None):
        calls.append({"out": Path(out_dir), "quick": quick, "lang": lang, "seed": seed, "names": names})
        for name in names:
            if name == "sgd":
                on_result(name, None, ValueError("boom"))
            else:
                on_result(name, run(name, out_dir, quick, lang, seed), None)
        return Path(out_dir) / "report.md"

    monkeypatch.setattr(experiments, "run", run)
    monkeypatch.setattr(experiments, "write_report", write_report)
    monkeypatch.chdir(tmp_path)
    return calls


def test_an_experiment_gets_its_options_and_its_default_folder(cli, recorded):
    status, _, _ = cli("experiment", "optimizers", "--lang", "en")
    assert status == 0
    assert recorded == [{"name": "optimizers", "out": Path("runs/experiments/optimizers"), "quick": False,
                         "lang": "en", "seed": 0}]
    cli("experiment", "sgd", "--quick", "--seed", "7", "--out", "elsewhere", "--lang", "ja")
    assert recorded[-1] == {"name": "sgd", "out": Path("elsewhere"), "quick": True, "lang": "ja", "seed": 7}


def test_numbers_line_up_in_terminal_columns_and_checks_say_ok_or_failed(cli, recorded):
    status, out, _ = cli("experiment", "optimizers", "--lang", "en")
    lines = out.splitlines()
    assert lines[0] == "optimizers: A title"
    # keys padded to the widest (17 columns; the three kanji take two columns each)
    assert lines[1:4] == ["  short              1", "  a much longer key  2", "  学習率             0.5"]
    assert lines[4:] == ["  * a finding", "  [ok] one holds", "  [FAILED] one does not", "  figure: fig.png",
                         "1/2 checks passed in 1.2 s"]


def test_terminal_width_counts_wide_characters_twice():
    assert experiment_cmds._width("abc") == 3
    assert experiment_cmds._width("学習率") == 6
    assert experiment_cmds._width("ｶﾅ") == 2  # half-width katakana: one column each
    assert experiment_cmds._width("ＡＢ") == 4  # full-width Latin


def test_in_japanese_the_labels_are_japanese(cli, recorded):
    _, out, _ = cli("experiment", "optimizers", "--lang", "ja")
    assert "  [合格] one holds" in out.splitlines() and "  [不合格] one does not" in out.splitlines()
    assert "  図: fig.png" in out.splitlines()


def test_the_list_says_which_experiments_cannot_be_loaded(cli, monkeypatch):
    monkeypatch.setitem(experiments.EXPERIMENTS, "cnn", "no_such_module")
    for lang, said in (("en", "(not available: "), ("ja", "(使えません: ")):
        status, out, _ = cli("experiment", "--list", "--lang", lang)
        line = next(line for line in out.splitlines() if line.startswith("cnn "))
        assert status == 0 and line[30:].startswith(" " + said) and "no_such_module" in line
    _, out, _ = cli("experiment", "--list", "--lang", "ja")
    sgd = next(line for line in out.splitlines() if line.startswith("sgd "))
    assert sgd[31:] == experiments.load("sgd").TITLE["ja"]


def test_without_a_name_it_says_how_to_list_them(cli):
    status, _, err = cli("experiment")
    assert (status, err) == (
        2, "scratchdl experiment: error: give an experiment NAME, or --list to see them\n")


def test_report_gets_its_options_and_says_each_topic_as_it_ends(cli, recorded, monkeypatch):
    stdout = io.StringIO()
    flushed = []
    stdout.flush = lambda: flushed.append(stdout.getvalue())
    monkeypatch.setattr(sys, "stdout", stdout)
    from scratchdl.cli import main

    status = main(["report", "--only", "optimizers,sgd", "--quick", "--seed", "3", "--lang", "en"])
    assert status == 1
    assert recorded[0] == {"out": Path("runs/report"), "quick": True, "lang": "en", "seed": 3,
                           "names": ["optimizers", "sgd"]}
    lines = stdout.getvalue().splitlines()
    assert lines[:2] == ["[1/2] optimizers: 1/2 checks passed, 1 figure(s), 1.2 s", "[2/2] sgd: FAILED: boom"]
    assert lines[2:] == [f"wrote {Path('runs/report') / n}"
                         for n in ("report.md", "report.html", "results.json")]
    assert flushed[0].splitlines() == lines[:1] and flushed[1].splitlines() == lines[:2]  # each as it ends


def test_report_names_every_failure(cli, recorded, monkeypatch):
    def two_fail(out_dir, quick=False, lang="en", names=None, seed=0, on_result=None):
        on_result("sgd", None, ValueError("boom"))
        on_result("cnn", None, RuntimeError("bang"))
        return Path(out_dir) / "report.md"

    monkeypatch.setattr(experiments, "write_report", two_fail)
    status, _, err = cli("report", "--only", "sgd,cnn", "--lang", "en")
    assert status == 1 and err == "scratchdl report: error: 2 experiment(s) failed: sgd (boom); cnn (bang)\n"
    status, _, err = cli("report", "--only", "sgd,cnn", "--lang", "ja")
    assert err == "scratchdl report: error: 2 件の実験が失敗: sgd (boom); cnn (bang)\n"
