"""The mutation pass's bookkeeping (tools/mutation.py): what counts as killed, what is left out as
equivalent, what a timeout or a mutant planted by hand adds, and the table the note quotes. The pass
itself is not run here (it takes hours); these read a module's results as mutmut writes them."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


@pytest.fixture
def runner(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("mutation_runner", ROOT / "tools" / "mutation.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "WORK", tmp_path)
    return module


def write_results(work: Path, name: str, codes: dict) -> dict:
    """mutmut's record of one mutated file: the exit code of each mutant's test run."""
    meta = work / name / "mutants" / "src" / "pkg" / "mod.py.meta"
    meta.parent.mkdir(parents=True)
    meta.write_text(json.dumps({"exit_code_by_key": codes}))
    return {"mutate": ["src/pkg/*.py"], "tests": []}


def test_the_score_counts_kills_and_timeouts_and_leaves_out_equivalents(runner, tmp_path):
    spec = write_results(tmp_path, "mod", {
        "pkg.mod.x_f__mutmut_1": 1,      # a test failed
        "pkg.mod.x_f__mutmut_2": -24,    # stopped: its tests ran past the limit
        "pkg.mod.x_f__mutmut_3": 0,      # survived
        "pkg.mod.x_f__mutmut_4": 0,      # survived, equivalent
        "pkg.mod.x_g__mutmut_1": 0,      # survived
        "pkg.mod.x_g__mutmut_2": 33,     # no test reaches it
        "pkg.mod.x_g__mutmut_3": None,   # not run yet
    })
    result = runner.score("mod", spec, {"pkg.mod.x_f__mutmut_4": "why"})
    assert (result["mutants"], result["killed"], result["timeouts"], result["by_hand"],
            result["equivalent"]) == (7, 2, 1, 0, 1)
    assert sorted(result["left"]) == [
        "pkg.mod.x_f__mutmut_3", "pkg.mod.x_g__mutmut_1", "pkg.mod.x_g__mutmut_2", "pkg.mod.x_g__mutmut_3"]
    assert result["score"] == pytest.approx(2 / 6)


def test_planted_by_hand_a_survivor_can_die_and_a_timeout_can_survive(runner, tmp_path):
    spec = write_results(tmp_path, "mod", {"pkg.mod.x_f__mutmut_1": 1, "pkg.mod.x_f__mutmut_2": -24,
                                           "pkg.mod.x_f__mutmut_3": 0, "pkg.mod.x_g__mutmut_1": 0,
                                           "pkg.mod.x_g__mutmut_2": -24})
    (tmp_path / "mod" / "by_hand.json").write_text(json.dumps({
        "pkg.mod.x_f__mutmut_1": 0,                  # a test failed under mutmut: that stands
        "pkg.mod.x_f__mutmut_2": 0,                  # stopped by mutmut, passes planted by hand: survived
        "pkg.mod.x_f__mutmut_3": 0,                  # survived both ways
        "pkg.mod.x_g__mutmut_1": 1,                  # survived mutmut, a test fails planted by hand
        "pkg.mod.x_g__mutmut_2": runner.HAND_TIMEOUT}))  # ran past the hand run's limit too
    result = runner.score("mod", spec, {})
    assert (result["killed"], result["timeouts"], result["by_hand"]) == (3, 1, 1)
    assert sorted(result["left"]) == ["pkg.mod.x_f__mutmut_2", "pkg.mod.x_f__mutmut_3"]


def test_the_table_has_a_row_per_module_and_the_overall_score(runner, tmp_path, monkeypatch):
    specs = {"a": write_results(tmp_path, "a", {"a.x_f__mutmut_1": 1, "a.x_f__mutmut_2": 0}),
             "b": write_results(tmp_path, "b", {"b.x_f__mutmut_1": 1, "b.x_f__mutmut_2": 1})}
    monkeypatch.setattr(runner, "modules", lambda: specs)
    monkeypatch.setattr(runner, "equivalents", lambda: {})
    lines = runner.summary(["a", "b"]).splitlines()
    assert lines[2] == "| a | 2 | 1 | 0 | 0 | 0 | 1 | 50.0% |"
    assert lines[3] == "| b | 2 | 2 | 0 | 0 | 0 | 0 | 100.0% |"
    assert lines[4] == "| **all** | 4 | 3 | 0 | 0 | 0 | 1 | 75.0% |"


def test_every_equivalent_mutant_gives_its_reason(runner):
    for name, why in runner.equivalents().items():
        assert "__mutmut_" in name and len(why) > 20, name
