"""report.md and report.html rebuilt from a results.json written here by hand (``report.rerender``),
in English and in Japanese: every fixed word in the report's language, each part in its place, the
page well formed HTML, and numeric cells marked as numbers. No experiment runs."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser

import pytest
from PIL import Image

from scratchdl.experiments import report
from scratchdl.experiments.report import TEXT

METHODS = {f"m{i:02d}": {"batch_size": i, "initial_loss": 2.0} for i in range(17)}  # 2 rows more than shown


def _doc(lang):
    return {"lang": lang, "quick": True, "seed": 3, "total_seconds": 12.34,
            "generated": "2026-12-07T00:00:00+00:00", "python": "3.11.7", "numpy": "2.4.0", "failed": ["cnn"],
            "experiments": [
                {"name": "sgd", "ok": True, "error": None, "title": "SGD title", "claim": "claim $x^2$",
                 "numbers": {"lr": 0.5, "flag": True, "off": False, "many": list(range(20)),
                             "methods": METHODS},
                 "figures": ["sgd/fig.png"], "captions": ['A "caption" | bar'],
                 "checks": {"c1 holds": True, "c2 fails": False},
                 "seconds": 2.5, "notes": ["note one"], "figure_info": []},
                {"name": "cnn", "ok": False, "error": "ValueError: boom | x"}]}


@pytest.fixture(params=["en", "ja"])
def pages(request, tmp_path):
    lang = request.param
    (tmp_path / "sgd").mkdir()
    Image.new("L", (4, 3)).save(tmp_path / "sgd" / "fig.png")
    (tmp_path / "results.json").write_text(json.dumps(_doc(lang), ensure_ascii=False), encoding="utf-8")
    report.rerender(tmp_path)
    return (lang, (tmp_path / "report.md").read_text(encoding="utf-8"),
            (tmp_path / "report.html").read_text(encoding="utf-8"))


def _t(key, lang):
    return TEXT[key][lang]


def test_report_md_line_by_line(pages):
    lang, md, _ = pages
    lines = md.splitlines()
    settings = (f"**{_t('settings', lang)}**: {_t('size', lang)}: {_t('quick', lang)} · "
                f"{_t('seed', lang)}: 3 · {_t('total', lang)}: 12.3 s · {_t('summary', lang)}: 1/2 · "
                "Python 3.11.7, NumPy 2.4.0")
    assert lines[:2] == [f"# {_t('title', lang)}", ""] and lines[3:6] == ["", settings, ""]
    assert lines[2] == report.mathml.markdown(_t("intro", lang))
    start, end = lines.index("## 1. SGD title (`sgd`)"), lines.index("## 2. cnn (`cnn`)")
    section = lines[start:end]
    assert section[:18] == [
        "## 1. SGD title (`sgd`)", "", f"**{_t('claim', lang)}**: claim x^2", "",
        "[![A \"caption\" \\| bar](sgd/fig.png)](sgd/fig.png)", "",
        f"**{_t('figure', lang)} 1.1**: A \"caption\" | bar", "",
        f"**{_t('findings', lang)}**:", "", "- note one", "",
        f"**{_t('checks', lang)}**:", "", "- ✅ c1 holds", "- ❌ c2 fails", "", f"### {_t('measured', lang)}"]
    title = "手法ごと" if lang == "ja" else "Per method"
    table = section.index(f"**{title}**")
    assert section[table + 1] == "" and section[table + 2].startswith("| ")
    more = section.index(f"*{_t('more_rows', lang).format(n=2)}*")
    assert more == table + 2 + 2 + 15 + 1 and section[more - 1] == "" and section[more + 1] == ""
    assert section[more + 2:more + 8] == [
        "<details>", f"<summary>{html.escape(_t('all_numbers', lang))}</summary>", "",
        f"| {_t('quantity', lang)} | {_t('value', lang)} |", "|---|---|",
        f"| {'学習率' if lang == 'ja' else 'lr'} | 0.5 |"]
    assert section[-5:] == ["", "</details>", "", f"*{_t('runtime', lang)}: 2.5 s*", ""]
    assert f"| flag | {_t('yes', lang)} |" in lines and f"| off | {_t('no', lang)} |" in lines
    assert "| many | [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, …] (20) |" in lines
    failed = lines.index("## 2. cnn (`cnn`)")
    assert lines[failed:] == ["## 2. cnn (`cnn`)", "", f"> **{_t('failed', lang)}**", ">",
                              "> `ValueError: boom \\| x`"]
    assert md.endswith("`\n")


class _Page(HTMLParser):
    """The page's elements as a tree check sees them: unmatched tags and text where only elements belong."""

    VOID = {"meta", "img", "source", "br", "hr", "link", "input", "col", "wbr"}
    ONLY_ELEMENTS = {"html", "head", "body", "ol", "ul", "table", "tr", "section", "details", "picture"}

    def __init__(self):
        super().__init__()
        self.stack, self.problems, self.cells, self.items, self.doctype = [], [], [], [], None
        self.table = None

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.table = {"in_details": "details" in self.stack, "rows": []}
            self.cells.append(self.table)
        if tag == "tr":
            self.table["rows"].append([])
        if tag in ("td", "th"):
            self.table["rows"][-1].append((tag, attrs.get("class")))
        if tag == "li" and "class" in attrs:
            self.items.append([attrs["class"], ""])
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1] in self.ONLY_ELEMENTS and data.strip():
            self.problems.append(f"text {data.strip()!r} directly in <{self.stack[-1]}>")
        if self.stack and self.stack[-1] == "li" and self.items:
            self.items[-1][1] += data


def test_report_html_is_well_formed_with_numbers_marked(pages):
    lang, _, page = pages
    parsed = _Page()
    parsed.feed(page)
    parsed.close()
    assert parsed.doctype.lower() == "doctype html" and page.startswith("<!") and page.endswith("</html>\n")
    assert parsed.problems == [] and parsed.stack == []
    assert f'<html lang="{lang}">' in page and '<meta charset="utf-8">' in page.lower()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    compact = [t for t in parsed.cells if not t["in_details"]]
    full = [t for t in parsed.cells if t["in_details"]]
    assert len(compact) == 1 and len(full) == 1
    header, *rows = compact[0]["rows"]
    assert header == [("th", None)] + [("th", "num")] * 2 and len(rows) == 15
    assert all(row == [("td", None)] + [("td", "num")] * 2 for row in rows)
    header, *rows = full[0]["rows"]
    assert header == [("th", None), ("th", None)]
    assert all(row == [("td", None), ("td", "value")] for row in rows)
    assert parsed.items == [["ok", "✓ c1 holds"], ["fail", "✗ c2 fails"]]


def test_report_html_reads_in_its_language(pages):
    lang, _, page = pages
    for key in ("contents", "claim", "findings", "checks", "measured", "all_numbers", "runtime", "failed"):
        assert html.escape(_t(key, lang)) in page, key
    assert f'<p class="more">{html.escape(_t("more_rows", lang).format(n=2))}</p>' in page
    other = "en" if lang == "ja" else "ja"
    assert html.escape(_t("findings", other)) not in page


def test_the_figure_is_embedded_as_it_is_on_disk_with_its_label(pages, tmp_path):
    import base64

    lang, _, page = pages
    png = (tmp_path / "sgd" / "fig.png").read_bytes()
    assert f'src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}"' in page
    image = re.search(r"<img [^>]*>", page).group(0)
    assert image == (f'<img src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}" '
                     f'alt="{html.escape(_t("figure", lang))} 1.1: A &quot;caption&quot; | bar">')


def test_an_entry_that_does_not_say_ok_is_taken_as_run(tmp_path):
    doc = _doc("en")
    del doc["experiments"][0]["ok"], doc["experiments"][0]["figures"][0], doc["experiments"][0]["captions"][0]
    (tmp_path / "results.json").write_text(json.dumps(doc), encoding="utf-8")
    md = report.rerender(tmp_path).read_text(encoding="utf-8")
    assert "## 1. SGD title (`sgd`)" in md and "- ✅ c1 holds" in md


def test_the_html_tables_read_in_the_reports_language(pages):
    lang, _, page = pages
    ja = lang == "ja"
    assert f"<tr><th>{_t('quantity', lang)}</th><th>{_t('value', lang)}</th></tr>" in page
    value = '<td class="value"><span class="n">{}</span>'
    assert f"<tr><td>{'学習率' if ja else 'lr'}</td>{value.format('0.5')}</td></tr>" in page
    assert value.format('[0</span>, <span class="n">1</span>, <span class="n">2') in page
    assert ("手法ごと" if ja else "Per method") in page
    assert f'<td class="value"><span class="n">{_t("yes", lang)}</span></td>' in page


def test_results_json_keeps_japanese_readable():
    doc = _doc("ja")
    doc["experiments"][0]["title"] = "確率的勾配降下法"
    text = report._results_json([{"name": "sgd", "error": None, "result": report.ExperimentResult(
        "sgd", "確率的勾配降下法", "主張", {"x": 1})}], {k: doc[k] for k in (
            "lang", "quick", "seed", "total_seconds", "generated", "python", "numpy")}, report.Path("."))
    assert "確率的勾配降下法" in text and "\\u" not in text


def test_a_full_size_report_says_so():
    for lang in ("en", "ja"):
        meta = {**_doc(lang), "quick": False}
        assert f"{_t('size', lang)}: {_t('full', lang)} · " in report._settings_line([], meta)


def test_write_report_runs_each_topic_asked_with_its_options(tmp_path, monkeypatch):
    from scratchdl import experiments
    from scratchdl.errors import ConfigError
    from scratchdl.experiments.base import ExperimentResult

    calls = []

    def run(name, out_dir, quick=False, lang="en", seed=0):
        calls.append((name, out_dir, quick, lang, seed))
        if name == "cnn":
            raise ValueError("boom")
        return ExperimentResult(name, "T", "C", {"x": 1}, lang=lang)

    monkeypatch.setattr(experiments, "run", run)
    report.write_report(tmp_path, quick=True, lang="ja", names=["SGD", "cnn"], seed=4)
    assert calls == [("sgd", tmp_path / "sgd", True, "ja", 4), ("cnn", tmp_path / "cnn", True, "ja", 4)]
    doc = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    failed = doc["experiments"][1]
    assert failed["ok"] is False and "ValueError: boom" in failed["error"]
    assert "Traceback" in failed["traceback"]
    calls.clear()
    report.write_report(tmp_path / "all", quick=True)
    assert [c[0] for c in calls] == list(experiments.EXPERIMENTS)
    with pytest.raises(ConfigError, match="'nope'"):
        report.write_report(tmp_path / "x", names=["nope"])


def test_format_value_shows_twelve_items_of_a_list_and_counts_the_rest():
    from scratchdl.experiments.report import format_value

    assert format_value(list(range(12)), "en") == "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]"
    assert format_value(list(range(13)), "en") == "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, …] (13)"
    assert format_value([True, False], "ja") == "[はい, いいえ]"


def test_rows_read_nested_keys_in_the_language():
    ja = report.rows({"runs": [{"lr": 0.1}], "outer": {"lr": 2}}, lang="ja")
    assert [label for label, _ in ja] == ["実行 [0] / 学習率", "outer / 学習率"]


def test_lookup_stops_at_the_end_of_a_list_and_at_a_dict_without_the_key():
    from scratchdl.experiments.tables import _MISSING, lookup

    assert lookup({"a": [5, 6]}, "a/1") == 6
    assert lookup({"a": [5, 6]}, "a/2") is _MISSING
    assert lookup({"a": {"x": 1}}, "a/0") is _MISSING
