"""``write_report``: report.md, a self-contained report.html and results.json, in Japanese or English."""

import base64
import io
import json
import re
import shutil
import time
from pathlib import Path

import pytest
from experiment_helpers import assert_png_has_content
from PIL import Image

from scratchdl import experiments
from scratchdl.errors import ConfigError
from scratchdl.experiments import figures, learning_rate, report


@pytest.fixture(scope="module")
def ja_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report-ja")
    seen = []
    path = experiments.write_report(out, quick=True, lang="ja", names=["activations", "backprop"],
                                    on_result=lambda name, r, error: seen.append((name, r.name, error)))
    return out, path, seen


def japanese_text() -> dict[str, str]:
    """The report's fixed Japanese words (headings, labels), by key."""
    return {key: value["ja"] for key, value in report.TEXT.items()
            if isinstance(value, dict) and "ja" in value}


def embedded_pngs(html: str) -> list[bytes]:
    found = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    return [base64.b64decode(m) for m in found]


def test_report_files_and_results_json(ja_report):
    out, path, seen = ja_report
    assert path == out / "report.md"
    assert seen == [("activations", "activations", None), ("backprop", "backprop", None)]
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["lang"] == "ja" and results["quick"] is True and results["failed"] == []
    assert [e["name"] for e in results["experiments"]] == ["activations", "backprop"]
    activations = results["experiments"][0]
    assert activations["numbers"]["max sigmoid'(z)"] == 0.25
    for figure in activations["figures"]:
        assert not figure.startswith("/")
        assert_png_has_content(out / figure)


def test_html_embeds_every_figure_as_a_decodable_png(ja_report):
    out, _, _ = ja_report
    html = (out / "report.html").read_text(encoding="utf-8")
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    figures = [f for e in results["experiments"] for f in e["figures"]]
    images = embedded_pngs(html)
    assert len(images) == len(figures) >= 2
    for data, figure in zip(images, figures, strict=True):
        assert data == (out / figure).read_bytes()
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    assert "src=\"activations/" not in html  # self-contained: no links to files


def test_every_figure_has_a_phone_rendition_the_browser_picks_and_markdown_keeps_the_desktop_one(ja_report):
    out, _, _ = ja_report
    html = (out / "report.html").read_text(encoding="utf-8")
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    infos = [i for e in results["experiments"] for i in e["figure_info"]]
    sources = re.findall(r'<picture><source media="\(max-width: 600px\)" srcset="data:image/png;base64,'
                         r'([A-Za-z0-9+/=]+)" width="(\d+)" height="(\d+)"[^>]*><img ', html)
    assert len(sources) == len(infos) >= 2
    for e in results["experiments"]:
        for figure, info in zip(e["figures"], e["figure_info"], strict=True):
            phone = info["phone"]
            path = out / Path(figure).parent / phone["file"]
            assert phone["file"] == Path(figure).stem + ".phone.png"
            assert phone["width_in"] == figures.PHONE_WIDTH_IN
            assert phone["min_font_pt"] >= figures.FONT_PT["ja"]
            assert figures.effective_px(phone["min_font_pt"], phone["width_in"], figures.PHONE_CSS_PX) >= 12
            assert path.stat().st_size < 120_000  # small: the report embeds both renditions
            assert any(base64.b64decode(data) == path.read_bytes() for data, _, _ in sources)
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert ".phone.png" not in markdown and markdown.count("activations/activations.png") == 2


def test_html_is_japanese_utf8_with_the_claims(ja_report):
    out, _, _ = ja_report
    html = (out / "report.html").read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in html and '<html lang="ja">' in html
    assert "学習レポート" in html and "主張" in html and "検証" in html
    assert "シグモイド関数は任意の実数を" in html  # the activations claim, in Japanese
    assert "<style>" in html and "font-family" in html


def test_markdown_has_claim_table_checks_and_relative_figure_links(ja_report):
    out, path, _ = ja_report
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# scratchdl 学習レポート")
    assert "## 1. 活性化関数とその微分 (`activations`)" in text
    assert "| sigmoid(0) | 0.5 |" in text
    assert "✅" in text
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert links and all((out / link).is_file() for link in links)


def test_a_failing_experiment_is_reported_and_the_rest_still_run(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(learning_rate, "run", broken)
    experiments.write_report(tmp_path, quick=True, lang="en", names=["learning-rate", "activations"])
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["failed"] == ["learning-rate"]
    assert results["experiments"][0]["error"] == "RuntimeError: boom"
    assert results["experiments"][1]["ok"] is True
    text = (tmp_path / "report.md").read_text()
    assert "This experiment failed" in text and "RuntimeError: boom" in text
    assert "Activation functions" in text
    html = (tmp_path / "report.html").read_text()
    assert '<html lang="en">' in html and len(embedded_pngs(html)) == 1


def test_unknown_names_and_languages_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="unknown experiment"):
        experiments.write_report(tmp_path, names=["nope"])
    with pytest.raises(ConfigError, match="unknown experiment"):
        experiments.run("nope", tmp_path)
    with pytest.raises(ConfigError, match="unknown language"):
        experiments.run("activations", tmp_path, lang="fr")
    with pytest.raises(ConfigError, match=r"^unknown language 'fr'; valid: en, ja$"):
        experiments.write_report(tmp_path, lang="fr")
    assert not list(tmp_path.iterdir())


def test_registry_lists_the_twelve_topics():
    assert experiments.names() == [
        "activations", "learning-rate", "sgd", "optimizers", "vanishing-gradient", "weight-init",
        "batch-norm", "universal-approximation", "generative-vs-discriminative", "backprop", "autograd",
        "cnn"]


def test_rows_flatten_nested_numbers():
    numbers = {"a": 1.23456789, "b": {"c": [1, 2], "d": None}, "t": [{"w": 8}, {"w": 16}], "ok": True}
    assert report.rows(numbers) == [("a", "1.235"), ("b / c", "[1, 2]"), ("b / d", "–"),
                                    ("t [0] / w", "8"), ("t [1] / w", "16"), ("ok", "true")]


def test_figures_record_their_size_dpi_and_smallest_font(ja_report):
    out, _, _ = ja_report
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    for experiment in results["experiments"]:
        assert len(experiment["figure_info"]) == len(experiment["figures"])
        for info, figure in zip(experiment["figure_info"], experiment["figures"], strict=True):
            assert info["dpi"] == figures.DPI and info["width_in"] <= figures.MAX_WIDTH_IN
            assert info["min_font_pt"] >= figures.FONT_PT["ja"]
            with Image.open(out / figure) as image:
                assert abs(image.size[0] - info["width_px"]) <= 2
            shown = figures.effective_px(info["min_font_pt"], info["width_in"], info["display_width_px"])
            assert shown >= figures.FLOOR_CSS_PX


def test_html_sections_lead_with_claim_and_figures_then_compact_japanese_tables(ja_report):
    out, _, _ = ja_report
    page = (out / "report.html").read_text(encoding="utf-8")
    section = page.split('<section id="activations">')[1].split("</section>")[0]
    markers = ('class="claim"', "<figure", "検証", "<caption>", "<details>")
    order = [section.index(marker) for marker in markers]
    assert order == sorted(order)
    shown, _, raw = section.partition("<details>")
    tables = re.findall(r"<table>(.*?)</table>", shown, re.S)
    assert tables
    for table in tables:
        assert table.count("<tr>") <= 1 + report.tables.MAX_ROWS
        headers = re.findall(r"<th[^>]*>(.*?)</th>", table)
        assert not any("_" in h for h in headers), headers
    assert "層と講義の関数の差" in raw and "layer_vs_course_function" not in raw  # every number, folded
    assert section.count('href="#contents"') == 1


def test_html_has_mathml_code_alt_text_and_no_backticks(ja_report):
    out, path, _ = ja_report
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<math" in page and "<msup>" not in page.split("<body>")[0]
    assert "<code>scratchdl report</code>" in page and "`" not in page
    alts = re.findall(r'<img [^>]*alt="([^"]*)"', page)
    assert alts and all(len(alt) > 40 and alt.startswith("図") for alt in alts)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    text = path.read_text(encoding="utf-8")
    assert "σ'(z) = σ(z)(1 − σ(z))" in text and "$" not in text
    assert "<details>" in text


def test_rerender_rebuilds_the_same_pages_from_results_json(ja_report, tmp_path):
    out, _, _ = ja_report
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    (copy / "report.html").unlink()
    (copy / "report.md").unlink()
    report.rerender(copy)
    for name in ("report.html", "report.md"):
        assert (copy / name).read_text(encoding="utf-8") == (out / name).read_text(encoding="utf-8")


def test_rerender_keeps_a_failed_topic_and_takes_the_reports_language_for_older_entries(
        tmp_path, monkeypatch):
    """A report with a topic that raised, and a results.json written before each entry kept its own
    language: the pages rebuilt from it are the pages the run wrote."""
    def broken(*args, **kwargs):
        raise ValueError("bad")

    monkeypatch.setattr(learning_rate, "run", broken)
    out = tmp_path / "run"
    seen = []
    started = time.perf_counter()
    experiments.write_report(out / "nested" / "deeper", quick=True, lang="ja",
                             names=["learning_rate", "Activations"],
                             on_result=lambda name, result, error: seen.append((name, result, error)))
    took = time.perf_counter() - started
    out = out / "nested" / "deeper"
    assert [name for name, _, _ in seen] == ["learning-rate", "activations"]
    assert seen[0][1] is None and "ValueError: bad" in seen[0][2] and seen[1][2] is None
    text = (out / "results.json").read_text(encoding="utf-8")
    assert text.startswith('{\n  "')  # indented: a learner opens it in an editor
    doc = json.loads(text)
    assert 0 < doc["total_seconds"] <= took and doc["generated"].endswith("+00:00")
    assert doc["failed"] == ["learning-rate"] and doc["experiments"][0]["ok"] is False
    for entry in doc["experiments"]:
        entry.pop("lang", None)
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    (copy / "results.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    report.rerender(copy)
    for name in ("report.html", "report.md"):
        assert (copy / name).read_text(encoding="utf-8") == (out / name).read_text(encoding="utf-8")
    assert "ValueError: bad" in (copy / "report.md").read_text(encoding="utf-8")


def test_each_figure_is_a_link_to_itself_with_its_phone_rendition_and_sizes(ja_report):
    """What the page gives each figure: an anchor to open it full size and back, the phone
    rendition for narrow screens, the size it is drawn at, and an alt text that says which figure."""
    out, _, _ = ja_report
    page = (out / "report.html").read_text(encoding="utf-8")
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    def size(info):
        width = info["display_width_px"]
        return f' width="{width}" height="{round(width * info["height_in"] / info["width_in"])}"'

    for number, entry in enumerate(doc["experiments"], start=1):
        for i, info in enumerate(entry["figure_info"], start=1):
            anchor = f"fig-{number}-{i}"
            start = page.index(f'<figure id="{anchor}"><a class="zoom" href="#{anchor}" '
                               f'title="{report.TEXT["enlarge"]["ja"]}">')
            figure = page[start:page.index("</figure>", start)]
            phone = info["phone"]
            phone_png = base64.b64encode((out / entry["name"] / phone["file"]).read_bytes()).decode()
            assert (f'<picture><source media="(max-width: {figures.PHONE_MAX_CSS_PX}px)" '
                    f'srcset="data:image/png;base64,{phone_png}"{size(phone)}') in figure
            assert f'alt="図 {number}.{i}: ' in figure and size(info) in figure.split("<img ")[1]
            alt = re.search(r'<img src="[^"]*" alt="([^"]*)"', figure).group(1)
            assert alt.startswith(f"図 {number}.{i}: ") and "<" not in alt and '"' not in alt
            assert f'<a class="close" href="#{entry["name"]}">{report.TEXT["close"]["ja"]}</a>' in figure


def test_a_figure_file_that_is_gone_is_named_on_the_page(tmp_path):
    gone = tmp_path / "topic" / "gone.png"
    assert report._html_figure(2, 1, gone, "caption", None, "topic", "ja") == (
        f'<p class="fail">{report.TEXT["missing"]["ja"]}: {gone}</p>')


def test_report_md_reads_in_the_reports_language_with_every_part_in_its_place(ja_report):
    """report.md of a Japanese report, part by part: the heading, introduction and settings, then per
    topic its claim, each figure (image, then its numbered caption), findings, checks, measured
    numbers and run time, each followed by a blank line as Markdown needs."""
    from scratchdl.experiments import mathml

    out, path, _ = ja_report
    text = path.read_text(encoding="utf-8")
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    ja = japanese_text()
    assert text.startswith(f"# {ja['title']}\n\n{mathml.markdown(ja['intro'])}\n\n**{ja['settings']}**: ")
    assert ja["quick"] in text.splitlines()[4]
    passed = sum(ok for e in doc["experiments"] for ok in e["checks"].values())
    total = sum(len(e["checks"]) for e in doc["experiments"])
    assert f"{passed}/{total}" in text.splitlines()[4]
    for number, entry in enumerate(doc["experiments"], start=1):
        topic = text[text.index(f"\n## {number}. {entry['title']} (`{entry['name']}`)\n\n"):]
        assert topic.index(f"**{ja['claim']}**: {mathml.markdown(entry['claim'])}\n\n") < topic.index("[![")
        for i, (figure, caption) in enumerate(zip(entry["figures"], entry["captions"], strict=True), start=1):
            assert (f"[![{report._md_cell(mathml.plain(caption))}]({figure})]({figure})\n\n"
                    f"**{ja['figure']} {number}.{i}**: {mathml.markdown(caption)}\n\n") in topic
        notes = "".join(f"- {mathml.markdown(n)}\n" for n in entry["notes"])
        checks = "".join(f"- {'✅' if ok else '❌'} {mathml.markdown(name)}\n"
                         for name, ok in entry["checks"].items())
        assert (f"**{ja['findings']}**:\n\n{notes}\n**{ja['checks']}**:\n\n{checks}\n"
                f"### {ja['measured']}\n\n") in topic
        assert f"*{ja['runtime']}: {entry['seconds']:.1f} s*" in topic
    assert report._md_cell("a | b\nc") == "a \\| b c"  # a table cell: the bar escaped, one line


def test_report_html_reads_in_the_reports_language_with_contents_sections_and_checks(ja_report):
    """report.html of a Japanese report: the page's language and title, the contents linking each
    topic with its checks passed, and per topic its section, heading, claim, findings, checks marked
    ✓/✗, measured numbers, all numbers folded, run time and the way back to the contents."""
    from scratchdl.experiments import mathml

    out, _, _ = ja_report
    page = (out / "report.html").read_text(encoding="utf-8")
    doc = json.loads((out / "results.json").read_text(encoding="utf-8"))
    ja = japanese_text()
    assert page.startswith('<!DOCTYPE html>\n<html lang="ja">\n<head>\n<meta charset="utf-8">\n'
                           '<meta name="viewport" content="width=device-width, initial-scale=1">\n')
    assert f"<title>{ja['title']}</title>" in page and f"<h1>{ja['title']}</h1>" in page
    assert f"<p>{mathml.html_text(ja['intro'])}</p>" in page
    assert f"<p><strong>{ja['settings']}</strong>: " in page
    assert f'<h2 id="contents">{ja["contents"]}</h2>' in page
    back = f'<p class="back"><a href="#contents">{ja["back"]}</a></p>'
    for number, entry in enumerate(doc["experiments"], start=1):
        name, checks = entry["name"], entry["checks"]
        assert (f'<li><a href="#{name}">{entry["title"]}</a> ({sum(checks.values())}/{len(checks)})</li>'
                in page)
        section = page[page.index(f'<section id="{name}">\n<h2>{number}. {entry["title"]} '
                                  f'<span class="key"><code>{name}</code></span></h2>\n'):]
        section = section[:section.index("</section>")]
        claim = mathml.html_text(entry["claim"])
        assert f'<p class="claim"><strong>{ja["claim"]}</strong>: {claim}</p>' in section
        findings = "\n".join(f"<li>{mathml.html_text(n)}</li>" for n in entry["notes"])
        assert f"<p><strong>{ja['findings']}</strong>:</p><ul>\n{findings}\n</ul>" in section
        marks = "\n".join(f'<li class="{"ok" if ok else "fail"}">{"✓" if ok else "✗"} '
                          f"{mathml.html_text(c)}</li>" for c, ok in checks.items())
        assert f"<p><strong>{ja['checks']}</strong>:</p><ul>\n{marks}\n</ul>" in section
        assert f"</ul><h3>{ja['measured']}</h3>" in section
        assert f"<details><summary>{ja['all_numbers']}</summary>" in section
        assert "</table></div></details>" in section
        assert section.endswith(f'<p class="runtime">{ja["runtime"]}: {entry["seconds"]:.1f} s</p>{back}')


def test_a_failed_topic_is_marked_in_the_contents_and_says_why_in_its_section(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("bad <input>")

    monkeypatch.setattr(learning_rate, "run", broken)
    experiments.write_report(tmp_path, quick=True, lang="en", names=["learning-rate"])
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<li><a href="#learning-rate">learning-rate</a> <span class="fail">✗</span></li>' in page
    failed = report.TEXT["failed"]["en"]
    assert f'<div class="error"><strong>{failed}</strong>\nValueError: bad &lt;input&gt;' in page
    assert '<html lang="en">' in page
