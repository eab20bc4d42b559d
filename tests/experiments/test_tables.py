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


def _fmt(value):
    return f"<{value}>"


COLUMNS_EN_JA = {"en": "lr", "ja": "学習率"}


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_table_of_values_reads_wholly_in_its_language(lang):
    from scratchdl.experiments.tables import Col, Table, render

    table = Table({"en": "Settings", "ja": "設定"},
                  columns=[Col("lr", COLUMNS_EN_JA, {"en": "per step", "ja": "ステップごと"}),
                           Col("time", {"en": "time", "ja": "時間"}, "ms", scale=1000.0),
                           Col("absent", {"en": "gone", "ja": "なし"})])
    got = render(table, {"lr": 0.1, "time": 0.25}, lang, _fmt)
    ja = lang == "ja"
    assert got.title == ("設定" if ja else "Settings")
    assert got.header == (["項目", "値"] if ja else ["quantity", "value"])
    assert got.rows == [["学習率 (ステップごと)" if ja else "lr (per step)", "<0.1>"],
                        ["時間 (ms)" if ja else "time (ms)", "<250.0>"]]
    assert (got.hidden, got.numeric) == (0, [False, True])
    assert render(table, {"other": 1}, lang, _fmt) is None


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_table_of_runs_reads_wholly_in_its_language(lang):
    from scratchdl.experiments.tables import Col, Spread, Table, render

    table = Table({"en": "Per run", "ja": "実行ごと"}, rows="runs", row_header={"en": "run", "ja": "実行"},
                  row_names={"a": {"en": "first", "ja": "一つ目"}},
                  columns=[Spread("runs/{row}/loss", {"en": "loss {i}", "ja": "損失 {i}"},
                                  {"en": "nats", "ja": "ナット"}),
                           Col("runs/{row}/acc", {"en": "accuracy", "ja": "精度"}, {"en": "%", "ja": "％"}),
                           Col("runs/{row}/nothing", {"en": "never", "ja": "なし"})])
    numbers = {"runs": {"a": {"loss": [3, 2, 1], "acc": 0.5}, "b": {"loss": [4], "acc": 0.75},
                        "c": {"acc": 0.25}, "note": 7}}
    got = render(table, numbers, lang, _fmt)
    ja = lang == "ja"
    loss = "損失 {} (ナット)" if ja else "loss {} (nats)"
    assert got.title == ("実行ごと" if ja else "Per run")
    assert got.header == ["実行" if ja else "run", *(loss.format(i) for i in (1, 2, 3)),
                          "精度 (％)" if ja else "accuracy (%)"]
    assert got.rows == [["一つ目" if ja else "first", "<3>", "<2>", "<1>", "<0.5>"],
                        ["b", "<4>", "–", "–", "<0.75>"],
                        ["c", "–", "–", "–", "<0.25>"]]  # "note" is a number, not a run
    assert got.numeric == [False, True, True, True, True] and got.hidden == 0


def test_a_spread_with_no_lists_adds_no_column_and_later_columns_still_come():
    from scratchdl.experiments.tables import Col, Spread, Table, render

    table = Table({"en": "t", "ja": "t"}, rows="runs",
                  columns=[Col("runs/{row}/nothing", {"en": "never", "ja": "never"}),
                           Spread("runs/{row}/loss", {"en": "loss {i}", "ja": "loss {i}"}),
                           Col("runs/{row}/acc", {"en": "acc", "ja": "acc"})])
    got = render(table, {"runs": {"a": {"acc": 1}, "b": {"acc": 2}}}, "en", _fmt)
    assert got.header == ["", "acc"] and got.rows == [["a", "<1>"], ["b", "<2>"]]
    assert got.numeric == [False, True]
