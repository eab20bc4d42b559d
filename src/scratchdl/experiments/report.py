"""``write_report``: run the experiments and write ``report.md``, ``report.html`` and ``results.json``.

Each experiment runs into ``out_dir/<name>/``. Per topic the report gives the claim from the study
report, the findings worded from this run's numbers, a table of the measured numbers, the checks
(does each number bear the claim out?) and the figures with their captions. ``report.md`` links
the figures by relative path; ``report.html`` embeds them as base64 PNG data URIs, so the one file
opens anywhere. If an experiment raises, its section says so and the others still run. Every file
is written atomically.
"""

from __future__ import annotations

import base64
import functools
import html
import json
import math
import os
import platform
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ..atomic import write_text_atomic
from ..errors import unknown_name
from ..lang import LANGS
from . import figures, mathml, tables
from .base import ExperimentResult, pick
from .labels import key_label

TEXT = {
    "title": {"en": "scratchdl study report: the claims, measured",
              "ja": "scratchdl 学習レポート: 主張を実測で確かめる"},
    "intro": {"en": "Each section takes one claim of the study report (Rabbit Challenge, deep learning part 1), "
                    "runs it as an experiment with scratchdl and shows what was measured. Every number and "
                    "figure below comes from this run of `scratchdl report`; none is typed by hand.",
              "ja": "各節は学習レポート (ラビットチャレンジ 深層学習 前編) の主張を1つ取り上げ、scratchdl で実験として"
                    "実行し、測定結果を示す。以下の数値と図はすべて今回の `scratchdl report` の実行によるもので、"
                    "手で書き込んだものはない。"},
    "settings": {"en": "Settings", "ja": "実行条件"},
    "size": {"en": "size", "ja": "規模"},
    "quick": {"en": "quick (--quick)", "ja": "簡易 (--quick)"},
    "full": {"en": "full", "ja": "本番"},
    "seed": {"en": "seed", "ja": "シード"},
    "total": {"en": "total time", "ja": "合計時間"},
    "summary": {"en": "checks passed", "ja": "検証の合格数"},
    "contents": {"en": "Contents", "ja": "目次"},
    "claim": {"en": "Claim", "ja": "主張"},
    "findings": {"en": "Findings", "ja": "結果から"},
    "measured": {"en": "Measured", "ja": "測定値"},
    "all_numbers": {"en": "All measured numbers (as in results.json)",
                    "ja": "測定値の一覧 (results.json と同じ数値。results.json のキーは英語)"},
    "more_rows": {"en": "{n} more rows in the full list below", "ja": "残り {n} 行は下の一覧に"},
    "back": {"en": "↑ Contents", "ja": "↑ 目次へ"},
    "close": {"en": "close ✕", "ja": "閉じる ✕"},
    "enlarge": {"en": "click a figure to open it full size", "ja": "図をクリックすると原寸で開く"},
    "quantity": {"en": "quantity", "ja": "項目"},
    "value": {"en": "value", "ja": "値"},
    "checks": {"en": "Checks", "ja": "検証"},
    "figures": {"en": "Figures", "ja": "図"},
    "figure": {"en": "Figure", "ja": "図"},
    "runtime": {"en": "run time", "ja": "実行時間"},
    "failed": {"en": "This experiment failed; the other topics ran.", "ja": "この実験は失敗した (他の項目は実行済み)。"},
    "missing": {"en": "figure file missing", "ja": "図のファイルがない"},
    "yes": {"en": "true", "ja": "はい"},
    "no": {"en": "false", "ja": "いいえ"},
}

CSS = """
*, *::before, *::after { box-sizing: border-box; }
body { font-family: "Hiragino Sans", "Hiragino Kaku Gothic ProN", "Yu Gothic", "Noto Sans CJK JP",
       "Noto Sans JP", "IPAexGothic", "IPAGothic", Meiryo, system-ui, sans-serif; line-height: 1.65;
       color: #222; max-width: 1040px; margin: 2em auto; padding: 0 1.2em; overflow-wrap: break-word; }
:lang(ja) em, :lang(ja) i, :lang(ja) cite, :lang(ja) dfn { font-style: normal; }
h1 { border-bottom: 3px solid #3b6ea5; padding-bottom: .3em; font-size: 1.7em; line-height: 1.3; }
h2 { border-bottom: 1px solid #ccc; margin-top: 2.2em; padding-bottom: .2em; line-height: 1.35; }
h2 .key { display: inline-block; font-size: .55em; font-weight: normal; color: #666; overflow-wrap: anywhere; }
h3 { margin-bottom: .3em; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f3f3f3;
       padding: 0 .25em; border-radius: 3px; overflow-wrap: anywhere; }
math { white-space: nowrap; }
/* A table wider than the page scrolls inside its box, and shows it: a shadow on the side that has
   more (the white covers move with the content, the shadows stay at the edges) and a scrollbar
   that is always drawn (in Chromium, Android included). */
.table-wrap { overflow-x: auto; max-width: 100%; margin: .4em 0 1em;
  background: linear-gradient(to right, #fff 40%, rgba(255, 255, 255, 0)) left / 2.5em 100% no-repeat local,
              linear-gradient(to left, #fff 40%, rgba(255, 255, 255, 0)) right / 2.5em 100% no-repeat local,
              radial-gradient(farthest-side at 0 50%, rgba(0, 0, 0, .28), rgba(0, 0, 0, 0)) left / 14px 100%
                no-repeat scroll,
              radial-gradient(farthest-side at 100% 50%, rgba(0, 0, 0, .28), rgba(0, 0, 0, 0)) right / 14px 100%
                no-repeat scroll; }
.table-wrap::-webkit-scrollbar { height: 8px; }
.table-wrap::-webkit-scrollbar-track { background: #eef1f5; border-radius: 4px; }
.table-wrap::-webkit-scrollbar-thumb { background: #9aa7b8; border-radius: 4px; }
table { border-collapse: collapse; font-size: .92em; }
caption { text-align: left; font-weight: bold; padding: .2em 0; }
th, td { border: 1px solid #ddd; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: rgba(59, 110, 165, .07); }
tr > td:first-child { white-space: nowrap; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.value { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.n { white-space: nowrap; }
.claim { background: #f7f7f2; border-left: 4px solid #b8a44c; padding: .6em 1em; }
.ok { color: #1a7f37; } .fail { color: #c62828; font-weight: bold; }
.error { background: #fdecea; border-left: 4px solid #c62828; padding: .6em 1em; white-space: pre-wrap; }
.more { font-size: .9em; color: #555; }
details { margin: .6em 0 1em; } summary { cursor: pointer; color: #3b6ea5; }
figure { margin: 1.2em 0; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid #eee; }
figure a.zoom { cursor: zoom-in; }
figcaption { font-size: .92em; color: #444; margin-top: .3em; }
figure .close { display: none; }
figure:target { position: fixed; inset: 0; z-index: 10; margin: 0; padding: 2.4em .5em .5em;
                background: #fff; overflow: auto; }
figure:target img { width: max(100%, 760px); max-width: none; }
figure:target a.zoom { cursor: default; }
figure:target .close { display: block; position: fixed; top: .4em; right: .8em; background: #fff;
                       padding: .1em .6em; border: 1px solid #ccc; border-radius: 4px; }
.runtime { color: #555; font-size: .9em; }
.back { font-size: .9em; text-align: right; }
@media (max-width: 600px) {
  body { padding: 0 .7em; margin: 1em auto; }
  h1 { font-size: 1.4em; } h2 { font-size: 1.25em; }
  th, td { padding: .2em .4em; }
}
"""


def write_report(out_dir, quick: bool = False, lang: str = "en", names=None, seed: int = 0,
                 on_result: Callable | None = None) -> Path:
    """Run ``names`` (default: all) into ``out_dir/<name>/`` and write the report files there.

    ``on_result(name, result, error)`` is called after each experiment (``error`` is the
    one-line message of an experiment that raised, else None). Returns the path of ``report.md``;
    ``results.json`` lists every result and, under ``failed``, the experiments that raised.
    """
    from . import EXPERIMENTS, run

    if lang not in LANGS:
        raise unknown_name("language", lang, LANGS)
    selected = list(EXPERIMENTS) if names is None else [str(n).lower().replace("_", "-") for n in names]
    for name in selected:
        if name not in EXPERIMENTS:
            raise unknown_name("experiment", name, EXPERIMENTS)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    entries = []
    for name in selected:
        try:  # Ctrl-C (KeyboardInterrupt) is no Exception: it ends the report, which writes nothing
            with figures.phone_renditions():
                result = run(name, out_dir / name, quick=quick, lang=lang, seed=seed)
            entries.append({"name": name, "result": result, "error": None})
        except Exception as e:  # one broken topic must not sink the report
            error = f"{type(e).__name__}: {e}"
            entries.append({"name": name, "result": None, "error": error,
                            "traceback": traceback.format_exc()})
        if on_result is not None:
            on_result(name, entries[-1]["result"], entries[-1]["error"])
    meta = {"lang": lang, "quick": bool(quick), "seed": seed, "total_seconds": time.perf_counter() - started,
            "generated": datetime.now(UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(), "numpy": np.__version__}
    write_text_atomic(out_dir / "results.json", _results_json(entries, meta, out_dir))
    write_text_atomic(out_dir / "report.html", _html(entries, meta, out_dir))
    return write_text_atomic(out_dir / "report.md", _markdown(entries, meta, out_dir))


def rerender(out_dir) -> Path:
    """Rewrite ``report.md`` and ``report.html`` from the ``results.json`` (and figures) in
    ``out_dir``, without running anything: for a change of layout only. Returns ``report.md``."""
    out_dir = Path(out_dir)
    doc = json.loads((out_dir / "results.json").read_text(encoding="utf-8"))
    entries = []
    for item in doc["experiments"]:
        if not item.get("ok", True):
            entries.append({"name": item["name"], "result": None, "error": item["error"]})
            continue
        result = ExperimentResult(
            item["name"], item["title"], item["claim"], item["numbers"], [out_dir / f for f in item["figures"]],
            item["captions"], item["checks"], item["seconds"], item["notes"], item.get("figure_info", []),
            item.get("lang", doc["lang"]))
        entries.append({"name": item["name"], "result": result, "error": None})
    meta = {k: doc[k] for k in ("lang", "quick", "seed", "total_seconds", "generated", "python", "numpy")}
    write_text_atomic(out_dir / "report.html", _html(entries, meta, out_dir))
    return write_text_atomic(out_dir / "report.md", _markdown(entries, meta, out_dir))


# ---- numbers as rows -----------------------------------------------------------------------------
def plain(value):
    """``value`` with NumPy scalars/arrays and Paths made JSON-friendly, and non-finite floats
    written as the strings ``"nan"``, ``"inf"`` and ``"-inf"``, so that ``results.json`` is strict
    JSON (bare ``NaN``/``Infinity`` are not JSON, and strict parsers refuse them)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, np.generic):
        return plain(value.item())
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def format_value(value, lang: str = "en") -> str:
    """A number as the report shows it: 4 significant digits, lists shortened to 12 items, None as
    "–", and true/false (はい/いいえ in Japanese)."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return pick(lang, TEXT["yes"] if value else TEXT["no"])
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        shown = ", ".join(format_value(v, lang) for v in value[:12])
        return f"[{shown}{', …' if len(value) > 12 else ''}]" + (f" ({len(value)})" if len(value) > 12 else "")
    return str(value)


def rows(numbers: dict, prefix: str = "", lang: str = "en") -> list[tuple[str, str]]:
    """``numbers`` flattened to (path, formatted value) rows, the path's keys joined by `` / `` and
    read in ``lang`` (``labels.key_label``); lists of dicts by index."""
    out = []
    for key, value in plain(numbers).items():
        label = f"{prefix}{key_label(key, lang)}"
        if isinstance(value, dict):
            out.extend(rows(value, f"{label} / ", lang))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for i, item in enumerate(value):
                out.extend(rows(item, f"{label} [{i}] / ", lang))
        else:
            out.append((label, format_value(value, lang)))
    return out


def _relative(path, out_dir: Path) -> str:
    return Path(os.path.relpath(Path(path).resolve(), out_dir.resolve())).as_posix()


def _passed(entries) -> tuple[int, int]:
    checks = [bool(v) for e in entries if e["result"] for v in e["result"].checks.values()]
    return sum(checks), len(checks)


def _results_json(entries, meta: dict, out_dir: Path) -> str:
    experiments = []
    for e in entries:
        item = {"name": e["name"], "ok": e["error"] is None, "error": e["error"]}
        if e.get("traceback"):  # where a topic failed, for whoever fixes it (the pages show the error line)
            item["traceback"] = e["traceback"]
        if e["result"] is not None:
            item.update(e["result"].as_dict())
            item["figures"] = [_relative(p, out_dir) for p in e["result"].figures]
        experiments.append(item)
    doc = {**meta, "failed": [e["name"] for e in entries if e["error"]], "experiments": experiments}
    return json.dumps(plain(doc), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _settings_line(entries, meta: dict) -> str:
    lang = meta["lang"]
    passed, total = _passed(entries)
    size = pick(lang, TEXT["quick"] if meta["quick"] else TEXT["full"])
    return (f"{pick(lang, TEXT['size'])}: {size} · {pick(lang, TEXT['seed'])}: {meta['seed']} · "
            f"{pick(lang, TEXT['total'])}: {meta['total_seconds']:.1f} s · "
            f"{pick(lang, TEXT['summary'])}: {passed}/{total} · Python {meta['python']}, NumPy {meta['numpy']}")


# ---- Markdown ----------------------------------------------------------------------------------
def _md_cell(text: str) -> str:
    return mathml.markdown(str(text)).replace("|", "\\|").replace("\n", " ")


def _tables(name: str, result: ExperimentResult, lang: str) -> list[tables.Rendered]:
    """The experiment's declared compact tables, filled from its numbers."""
    from . import load

    numbers = plain(result.numbers)
    specs = getattr(load(name), "TABLES", [])
    fmt = functools.partial(format_value, lang=lang)
    return [t for t in (tables.render(spec, numbers, lang, fmt) for spec in specs) if t is not None]


def _md_table(header, body) -> list[str]:
    lines = ["| " + " | ".join(_md_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in body]


def _markdown(entries, meta: dict, out_dir: Path) -> str:
    lang = meta["lang"]
    lines = [f"# {pick(lang, TEXT['title'])}", "", mathml.markdown(pick(lang, TEXT["intro"])), "",
             f"**{pick(lang, TEXT['settings'])}**: {_settings_line(entries, meta)}", ""]
    for number, e in enumerate(entries, start=1):
        r: ExperimentResult | None = e["result"]
        lines += [f"## {number}. {r.title if r else e['name']} (`{e['name']}`)", ""]
        if r is None:
            lines += [f"> **{pick(lang, TEXT['failed'])}**", ">", f"> `{_md_cell(e['error'])}`", ""]
            continue
        lines += [f"**{pick(lang, TEXT['claim'])}**: {mathml.markdown(r.claim)}", ""]
        for i, (path, caption) in enumerate(zip(r.figures, r.captions, strict=True), start=1):
            label = f"{pick(lang, TEXT['figure'])} {number}.{i}"
            link = _relative(path, out_dir)
            lines += [f"[![{_md_cell(mathml.plain(caption))}]({link})]({link})", "",
                      f"**{label}**: {mathml.markdown(caption)}", ""]
        if r.notes:
            lines += [f"**{pick(lang, TEXT['findings'])}**:", ""] + [f"- {mathml.markdown(n)}" for n in r.notes] + [""]
        lines += [f"**{pick(lang, TEXT['checks'])}**:", ""]
        lines += [f"- {'✅' if ok else '❌'} {mathml.markdown(name)}" for name, ok in r.checks.items()]
        lines += ["", f"### {pick(lang, TEXT['measured'])}", ""]
        for table in _tables(e["name"], r, lang):
            lines += [f"**{_md_cell(table.title)}**", ""] + _md_table(table.header, table.rows) + [""]
            if table.hidden:
                lines += [f"*{pick(lang, TEXT['more_rows']).format(n=table.hidden)}*", ""]
        raw = _md_table([pick(lang, TEXT["quantity"]), pick(lang, TEXT["value"])], rows(r.numbers, lang=lang))
        lines += ["<details>", f"<summary>{html.escape(pick(lang, TEXT['all_numbers']))}</summary>", "", *raw, "",
                  "</details>", "", f"*{pick(lang, TEXT['runtime'])}: {r.seconds:.1f} s*", ""]
    return "\n".join(lines)


# ---- HTML --------------------------------------------------------------------------------------
def _data_uri(path) -> str | None:
    path = Path(path)
    if not path.is_file():
        return None
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _html_value(text: str) -> str:
    """A formatted value with each list item unbreakable (lines may break only between items)."""
    parts = html.escape(text).split(", ")
    return ", ".join(f'<span class="n">{p}</span>' for p in parts)


def _html_table(header, body, numeric=None, caption: str | None = None, raw: bool = False) -> str:
    numeric = numeric or [False] * len(header)
    out = ['<div class="table-wrap"><table>']
    if caption:
        out.append(f"<caption>{mathml.html_text(caption)}</caption>")
    out.append("<tr>" + "".join(f'<th{" class=num" if n else ""}>{mathml.html_text(h)}</th>'
                                for h, n in zip(header, numeric, strict=True)) + "</tr>")
    for row in body:
        cells = []
        for j, (cell, n) in enumerate(zip(row, numeric, strict=True)):
            if raw and j == 1:
                cells.append(f'<td class="value">{_html_value(cell)}</td>')
            elif n:
                cells.append(f'<td class="num">{_html_value(cell)}</td>')
            else:
                cells.append(f"<td>{mathml.html_text(cell) if not raw else html.escape(cell)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</table></div>")
    return "".join(out)


def _size_attributes(info: dict | None) -> str:
    """``width``/``height`` (the CSS px it is drawn for) and the data the browser test reads."""
    if not info:
        return ""
    width = info["display_width_px"]
    return (f' width="{width}" height="{round(width * info["height_in"] / info["width_in"])}"'
            f' data-width-in="{info["width_in"]}" data-dpi="{info["dpi"]}" data-min-font-pt="{info["min_font_pt"]}"')


def _html_figure(number: int, i: int, path, caption: str, info: dict | None, section: str, lang: str) -> str:
    """A figure, embedded; with a phone rendition (``info["phone"]``, see ``figures.save_phone``), a
    ``<picture>`` whose ``<source>`` the browser takes on a screen up to ``PHONE_MAX_CSS_PX`` wide."""
    esc = html.escape
    label = f"{pick(lang, TEXT['figure'])} {number}.{i}"
    uri = _data_uri(path)
    if uri is None:
        return f'<p class="fail">{esc(pick(lang, TEXT["missing"]))}: {esc(str(path))}</p>'
    anchor = f"fig-{number}-{i}"
    alt = esc(f"{label}: {mathml.plain(caption)}", quote=True)
    image = f'<img src="{uri}" alt="{alt}"{_size_attributes(info)}>'
    phone = (info or {}).get("phone")
    phone_uri = _data_uri(Path(path).parent / phone["file"]) if phone else None
    if phone_uri is not None:
        media = f"(max-width: {figures.PHONE_MAX_CSS_PX}px)"
        image = (f'<picture><source media="{media}" srcset="{phone_uri}"{_size_attributes(phone)}>'
                 f"{image}</picture>")
    return (f'<figure id="{anchor}"><a class="zoom" href="#{anchor}" title="{esc(pick(lang, TEXT["enlarge"]))}">'
            f"{image}</a>"
            f"<figcaption><strong>{esc(label)}</strong>: {mathml.html_text(caption)}</figcaption>"
            f'<a class="close" href="#{esc(section)}">{esc(pick(lang, TEXT["close"]))}</a></figure>')


def _html(entries, meta: dict, out_dir: Path) -> str:
    lang, esc = meta["lang"], html.escape
    title = pick(lang, TEXT["title"])
    body = [f"<h1>{esc(title)}</h1>", f"<p>{mathml.html_text(pick(lang, TEXT['intro']))}</p>",
            f"<p><strong>{esc(pick(lang, TEXT['settings']))}</strong>: {esc(_settings_line(entries, meta))}</p>",
            f'<h2 id="contents">{esc(pick(lang, TEXT["contents"]))}</h2>', "<ol>"]
    for e in entries:
        r = e["result"]
        status = "" if r is None else f" ({sum(map(bool, r.checks.values()))}/{len(r.checks)})"
        mark = ' <span class="fail">✗</span>' if r is None else ""
        body.append(f'<li><a href="#{esc(e["name"])}">{esc(r.title if r else e["name"])}</a>{esc(status)}{mark}</li>')
    body.append("</ol>")
    back = f'<p class="back"><a href="#contents">{esc(pick(lang, TEXT["back"]))}</a></p>'
    for number, e in enumerate(entries, start=1):
        r = e["result"]
        body.append(f'<section id="{esc(e["name"])}">')
        body.append(f'<h2>{number}. {esc(r.title if r else e["name"])} <span class="key"><code>{esc(e["name"])}</code>'
                    "</span></h2>")
        if r is None:
            body.append(f'<div class="error"><strong>{esc(pick(lang, TEXT["failed"]))}</strong>\n{esc(e["error"])}</div>')
            body += [back, "</section>"]
            continue
        body.append(f'<p class="claim"><strong>{esc(pick(lang, TEXT["claim"]))}</strong>: {mathml.html_text(r.claim)}</p>')
        infos = r.figure_info if len(r.figure_info) == len(r.figures) else [None] * len(r.figures)
        for i, (path, caption, info) in enumerate(zip(r.figures, r.captions, infos, strict=True), start=1):
            body.append(_html_figure(number, i, path, caption, info, e["name"], lang))
        if r.notes:
            body.append(f"<p><strong>{esc(pick(lang, TEXT['findings']))}</strong>:</p><ul>")
            body += [f"<li>{mathml.html_text(n)}</li>" for n in r.notes]
            body.append("</ul>")
        body.append(f"<p><strong>{esc(pick(lang, TEXT['checks']))}</strong>:</p><ul>")
        body += [f'<li class="{"ok" if ok else "fail"}">{"✓" if ok else "✗"} {mathml.html_text(name)}</li>'
                 for name, ok in r.checks.items()]
        body.append(f"</ul><h3>{esc(pick(lang, TEXT['measured']))}</h3>")
        for table in _tables(e["name"], r, lang):
            body.append(_html_table(table.header, table.rows, table.numeric, caption=table.title))
            if table.hidden:
                body.append(f'<p class="more">{esc(pick(lang, TEXT["more_rows"]).format(n=table.hidden))}</p>')
        raw = _html_table([pick(lang, TEXT["quantity"]), pick(lang, TEXT["value"])], rows(r.numbers, lang=lang),
                          raw=True)
        body.append(f"<details><summary>{esc(pick(lang, TEXT['all_numbers']))}</summary>{raw}</details>")
        body.append(f'<p class="runtime">{esc(pick(lang, TEXT["runtime"]))}: {r.seconds:.1f} s</p>{back}</section>')
    return "\n".join([
        "<!DOCTYPE html>", f'<html lang="{esc(lang)}">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
        "style-src 'unsafe-inline'\">",
        f"<title>{esc(title)}</title>", f"<style>{CSS}</style>", "</head>", "<body>", *body, "</body>", "</html>", "",
    ])
