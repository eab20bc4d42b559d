"""``results.json`` is strict JSON whatever an experiment measured: a run that diverged (NaN, an
infinite loss) writes the documented strings ``"nan"``, ``"inf"``, ``"-inf"``, never the bare
``NaN``/``Infinity`` that strict parsers (browsers' ``JSON.parse``, jq, Go, Rust) refuse; and a
table of list rows without row labels numbers them 1, 2, 3 in both reports."""

import json

import numpy as np
import pytest

from scratchdl import experiments
from scratchdl.experiments import learning_rate, report, tables
from scratchdl.experiments.base import ExperimentResult


def refuse(constant):
    raise ValueError(f"results.json holds {constant}, which is not JSON")


def strict(text: str):
    return json.loads(text, parse_constant=refuse)


NUMBERS = {  # a learning-rate sweep whose largest rate diverged
    "lr": [0.01, 0.1, 10.0],
    "final_loss": [0.25, np.float32(0.5), float("nan")],
    "max_loss": np.array([1.0, np.inf, -np.inf]),
    "best": {"lr": 0.1, "loss": np.float64("nan"), "ratio": float("-inf")},
    "curves": [[1.0, 0.5], [2.0, float("inf")]],
}
TABLE = tables.Table({"en": "Per rate"}, rows="lr", row_header={"en": "run"},
                     columns=[tables.Col("lr/{row}", {"en": "learning rate"}),
                              tables.Col("final_loss/{row}", {"en": "final loss"}),
                              tables.Col("max_loss/{row}", {"en": "largest loss"})])


@pytest.fixture
def diverged(tmp_path, monkeypatch):
    def run(out_dir, quick=False, lang="en", seed=0):
        return ExperimentResult("learning-rate", "Learning rate", "A rate too large diverges.", NUMBERS,
                                checks={"the largest rate diverges": True}, seconds=0.5, lang=lang)

    monkeypatch.setattr(learning_rate, "run", run)
    monkeypatch.setattr(learning_rate, "TABLES", [TABLE])
    experiments.write_report(tmp_path, quick=True, lang="en", names=["learning-rate"])
    return tmp_path


def test_non_finite_numbers_are_written_as_strings_in_strict_json(diverged):
    doc = strict((diverged / "results.json").read_text(encoding="utf-8"))
    numbers = doc["experiments"][0]["numbers"]
    assert numbers["final_loss"] == [0.25, 0.5, "nan"]
    assert numbers["max_loss"] == [1.0, "inf", "-inf"]
    assert numbers["best"] == {"lr": 0.1, "loss": "nan", "ratio": "-inf"}
    assert numbers["curves"] == [[1.0, 0.5], [2.0, "inf"]]


def test_list_rows_without_labels_are_numbered_in_both_reports(diverged):
    markdown = (diverged / "report.md").read_text(encoding="utf-8")
    assert "| run | learning rate | final loss | largest loss |" in markdown
    for row in ("| 1 | 0.01 | 0.25 | 1 |", "| 2 | 0.1 | 0.5 | inf |", "| 3 | 10 | nan | -inf |"):
        assert row in markdown
    html = (diverged / "report.html").read_text(encoding="utf-8")
    assert "<caption>Per rate</caption>" in html
    cell = '<td class="num"><span class="n">{}</span></td>'.format
    assert f"<tr><td>3</td>{cell('10')}{cell('nan')}{cell('-inf')}</tr>" in html
    before = (markdown, html)
    report.rerender(diverged)  # the pages come back the same from the strict results.json
    assert ((diverged / "report.md").read_text(encoding="utf-8"),
            (diverged / "report.html").read_text(encoding="utf-8")) == before


def test_plain_leaves_finite_numbers_alone_and_names_the_others():
    values = [0.0, -1.5, 3, True, None, "text", np.int64(7), np.float32(0.5), np.array([[1, 2]])]
    assert report.plain(values) == [0.0, -1.5, 3, True, None, "text", 7, 0.5, [[1, 2]]]
    assert report.plain([float("nan"), np.float32("inf"), -np.inf]) == ["nan", "inf", "-inf"]
    assert strict(json.dumps(report.plain({"x": np.full(3, np.nan)}), allow_nan=False)) == {"x": ["nan"] * 3}
