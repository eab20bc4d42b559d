"""Every experiment's compact tables, filled from the committed full run: found, short, labelled."""

import json
import re
from pathlib import Path

import pytest

from scratchdl import experiments
from scratchdl.experiments import report, tables

ROOT = Path(__file__).parents[2]
RESULTS = json.loads((ROOT / "docs/report/results.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("experiment", RESULTS["experiments"], ids=lambda e: e["name"])
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_declared_tables_fill_from_the_numbers(experiment, lang):
    specs = experiments.load(experiment["name"]).TABLES
    assert specs
    for spec in specs:
        table = tables.render(spec, experiment["numbers"], lang, report.format_value)
        assert table is not None, spec.title
        assert len(table.rows) <= tables.MAX_ROWS and table.hidden == 0
        assert all(len(row) == len(table.header) for row in table.rows)
        words = [re.sub(r"\$[^$]*\$", "", h) for h in table.header]  # formulas may have subscripts
        assert all("_" not in w for w in words), table.header
        assert all(any(c != "–" for c in row[1:]) for row in table.rows), (spec.title, table.rows)
        filled = [c for row in table.rows for c in row[1:]]
        assert sum(c != "–" for c in filled) >= len(filled) / 2, (spec.title, table.rows)


def test_rows_columns_spread_row_labels_and_the_row_limit():
    numbers = {"runs": {"a": {"x": 1.0, "t": 0.5}, "b": {"x": 2.0}}, "norms": {"a": [1, 2, 3], "b": [4, 5]},
               "w": [8, 16], "err": [0.1, 0.2], "many": {str(i): i for i in range(20)}}
    fmt = report.format_value
    spec = tables.Table({"en": "T"}, rows="runs", row_header={"en": "run"}, row_names={"a": {"en": "first"}},
                        columns=[tables.Col("runs/{row}/x", {"en": "x"}, "s", 1000.0),
                                 tables.Col("runs/{row}/t", {"en": "t"})])
    by_run = tables.render(spec, numbers, "en", fmt)
    assert by_run.header == ["run", "x (s)", "t"]
    assert by_run.rows == [["first", "1000", "0.5"], ["b", "2000", "–"]]
    spread = tables.render(tables.Table({"en": "N"}, rows="norms",
                                        columns=[tables.Spread("norms/{row}", {"en": "layer {i}"})]),
                           numbers, "en", fmt)
    assert spread.header[1:] == ["layer 1", "layer 2", "layer 3"] and spread.rows[1] == ["b", "4", "5", "–"]
    spec = tables.Table({"en": "W"}, rows="w", row_label="w/{row}",
                        columns=[tables.Col("err/{row}", {"en": "error"})])
    labelled = tables.render(spec, numbers, "en", fmt)
    assert labelled.rows == [["8", "0.1"], ["16", "0.2"]]
    spec = tables.Table({"en": "M"}, rows="many", columns=[tables.Col("many/{row}", {"en": "v"})])
    long = tables.render(spec, numbers, "en", fmt)
    assert len(long.rows) == tables.MAX_ROWS and long.hidden == 5
    assert tables.render(tables.Table({"en": "none"}, rows="missing"), numbers, "en", fmt) is None
    mixed = {"sm": {"a": {"v": 1}, "b": {"v": 2}, "diff": 0.5}, "x/y": 3}
    spec = tables.Table({"en": "S"}, rows="sm", columns=[tables.Col("sm/{row}/v", {"en": "v"})])
    runs = tables.render(spec, mixed, "en", fmt)
    assert [row[0] for row in runs.rows] == ["a", "b"]  # the scalar is not a run
    assert tables.lookup(mixed, "x/y") == 3 and tables.lookup(mixed, "sm/diff") == 0.5
