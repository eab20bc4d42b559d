"""The consistency table of the report: per topic, each statement of its claim, the panels that show
it, the checks that test it, and the seeds on which each check held at full size.

The table is generated from the topics' declarations (``STATEMENTS``, ``PANELS``, ``CHECKS``, see
``evidence``) and a recorded run of every topic at full size for several seeds
(``benchmarks/report_seeds.py`` writes ``docs/report-seeds.json``); the seeds on which a check held
are re-evaluated from the recorded numbers, so a changed check shows here at once.

    python -m scratchdl.experiments.consistency docs/report-seeds.json docs

writes ``docs/report-consistency.md`` (English) and ``docs/report-consistency.ja.md`` (Japanese);
``tests/experiments/test_consistency.py`` fails when they are out of step with the code.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..atomic import write_text_atomic
from .base import pick
from .evidence import check_text
from .mathml import markdown

FILES = {"en": "report-consistency.md", "ja": "report-consistency.ja.md"}
TEXT = {
    "title": {"en": "The report's claims against their evidence", "ja": "レポートの主張とその根拠の対応表"},
    "intro": {
        "en": "Each topic of `scratchdl report` states a claim, shows figures, words its findings from the numbers "
              "of the run and checks the claim on those numbers. Below, per topic, each statement of the claim "
              "with the figure panels that show it and the checks that test it, and the seeds on which each check "
              "held when every topic ran at full size. The page is generated from the topics' declarations "
              "(`STATEMENTS`, `PANELS`, `CHECKS` in `src/scratchdl/experiments/<topic>.py`) and the recorded run "
              "`docs/report-seeds.json` (`python benchmarks/report_seeds.py`, then "
              "`python -m scratchdl.experiments.consistency docs/report-seeds.json docs`); "
              "`tests/experiments/test_consistency.py` fails when it is out of step.",
        "ja": "`scratchdl report` の各トピックは、主張を述べ、図を示し、実行の数値から所見を書き、その数値で主張を"
              "検証する。以下はトピックごとに、主張の各文と、それを示す図のパネル、それを確かめる検証、そして全トピックを"
              "本番の規模で実行したときに各検証が成り立ったシードの一覧である。このページはトピックの宣言 "
              "(`src/scratchdl/experiments/<topic>.py` の `STATEMENTS`, `PANELS`, `CHECKS`) と記録された実行 "
              "`docs/report-seeds.json` から生成される (`python benchmarks/report_seeds.py` の後に "
              "`python -m scratchdl.experiments.consistency docs/report-seeds.json docs`)。"
              "`tests/experiments/test_consistency.py` はこの表がコードと食い違うと失敗する。"},
    "recorded": {"en": "Recorded run", "ja": "記録した実行"},
    "run": {"en": "seeds {seeds} at full size, {generated}, {machine}, Python {python}, NumPy {numpy}",
            "ja": "シード {seeds}、本番の規模、{generated}、{machine}、Python {python}、NumPy {numpy}"},
    "summary": {"en": "{topics} topics, {statements} statements, {panels} panels, {checks} checks; {held} checks held "
                      "on every recorded seed.",
                "ja": "トピック {topics}、主張の文 {statements}、パネル {panels}、検証 {checks}。記録したすべてのシードで"
                      "成り立った検証は {held}。"},
    "claim": {"en": "Claim", "ja": "主張"},
    "panels": {"en": "Panels", "ja": "パネル"},
    "statement": {"en": "claim", "ja": "主張"},
    "panel": {"en": "panel", "ja": "パネル"},
    "check": {"en": "check", "ja": "検証"},
    "seeds": {"en": "seeds held", "ja": "成り立ったシード"},
    "not_drawn": {"en": "(not drawn)", "ja": "(図なし)"},
    "not_recorded": {"en": "not recorded", "ja": "記録なし"},
    "failed_on": {"en": "failed on {seeds}", "ja": "シード {seeds} で不成立"},
    "time": {"en": "run time per seed", "ja": "シードごとの実行時間"},
}


def topics() -> list[tuple[str, object]]:
    """``(name, module)`` of every topic, in the report's order."""
    from . import load, names

    return [(name, load(name)) for name in names()]


def problems(module) -> list[str]:
    """What is out of step in a topic's declarations (empty when every statement and every panel has
    a check, every check names a statement and panels that exist, keys are unique, and ``CLAIM`` is
    the statements joined)."""
    from .evidence import claim

    statements = {s.key for s in module.STATEMENTS}
    panels = {p.key for p in module.PANELS}
    out = []
    for kind, items in (("statement", module.STATEMENTS), ("panel", module.PANELS), ("check", module.CHECKS)):
        keys = [item.key for item in items]
        out += [f"duplicate {kind} key {k!r}" for k in sorted({k for k in keys if keys.count(k) > 1})]
    for check in module.CHECKS:
        if check.statement not in statements:
            out.append(f"check {check.key!r} tests unknown statement {check.statement!r}")
        out += [f"check {check.key!r} reads unknown panel {p!r}" for p in check.panels if p not in panels]
    out += [f"statement {s!r} has no check" for s in statements - {c.statement for c in module.CHECKS}]
    out += [f"panel {p!r} has no check" for p in panels - {p for c in module.CHECKS for p in c.panels}]
    if claim(module.STATEMENTS) != module.CLAIM:
        out.append("CLAIM is not claim(STATEMENTS)")
    return out


def held_on(module, recorded: dict) -> dict[str, list[int]]:
    """Per check key, the recorded seeds whose numbers pass it (re-evaluated from the numbers)."""
    return {c.key: [int(seed) for seed, run in sorted(recorded.items(), key=lambda item: int(item[0]))
                    if c.holds(run["numbers"])]
            for c in module.CHECKS}


def _cell(text: str) -> str:
    """``text`` for a Markdown table cell: formulas as plain text (as report.md writes them)."""
    return markdown(str(text)).replace("|", "\\|").replace("\n", " ")


def table(record: dict, lang: str) -> str:
    """The consistency page in ``lang`` (Markdown) from the topics' declarations and ``record``."""
    seeds = [int(s) for s in record.get("seeds", [])]
    lines = [f"# {pick(lang, TEXT['title'])}", "", pick(lang, TEXT["intro"]), ""]
    meta = record.get("meta", {})
    run = pick(lang, TEXT["run"]).format(seeds=", ".join(map(str, seeds)), **{k: meta.get(k, "?") for k in (
        "generated", "machine", "python", "numpy")})
    lines += [f"**{pick(lang, TEXT['recorded'])}**: {run}" + (f" ({meta['note']})" if meta.get("note") else ""), ""]
    counts = {"topics": 0, "statements": 0, "panels": 0, "checks": 0, "held": 0}
    body = []
    for number, (name, module) in enumerate(topics(), start=1):
        recorded = record.get("topics", {}).get(name, {})
        held = held_on(module, recorded) if recorded else {}
        counts["topics"] += 1
        counts["statements"] += len(module.STATEMENTS)
        counts["panels"] += len(module.PANELS)
        counts["checks"] += len(module.CHECKS)
        first = recorded[min(recorded, key=int)]["numbers"] if recorded else None
        body += [f"## {number}. {pick(lang, module.TITLE)} (`{name}`)", "", f"**{pick(lang, TEXT['claim'])}**:", ""]
        letters = {s.key: chr(ord("a") + i) for i, s in enumerate(module.STATEMENTS)}
        body += [f"- ({letters[s.key]}) {markdown(pick(lang, s.text))}" for s in module.STATEMENTS] + [""]
        body += [f"**{pick(lang, TEXT['panels'])}**:", ""]
        body += [f"- {pick(lang, p.label)}: `{p.figure}`" for p in module.PANELS] + [""]
        body += [f"| {pick(lang, TEXT['statement'])} | {pick(lang, TEXT['panel'])} | {pick(lang, TEXT['check'])} | "
                 f"{pick(lang, TEXT['seeds'])} |", "|---|---|---|---|"]
        panel_label = {p.key: pick(lang, p.label) for p in module.PANELS}
        for s in module.STATEMENTS:
            for c in (c for c in module.CHECKS if c.statement == s.key):
                text = check_text(c, first, lang) if first is not None else pick(lang, c.text)
                panels = "; ".join(panel_label[p] for p in c.panels) or pick(lang, TEXT["not_drawn"])
                if not recorded:
                    seen = pick(lang, TEXT["not_recorded"])
                else:
                    ok = held[c.key]
                    missing = [int(k) for k in sorted(recorded, key=int) if int(k) not in ok]
                    counts["held"] += not missing
                    seen = ", ".join(map(str, ok)) or "–"
                    if missing:
                        seen += " (" + pick(lang, TEXT["failed_on"]).format(seeds=", ".join(map(str, missing))) + ")"
                body.append(f"| ({letters[s.key]}) | {_cell(panels)} | {_cell(text)} | {seen} |")
        if recorded:
            times = " / ".join(f"{recorded[k]['seconds']:.0f} s" for k in sorted(recorded, key=int))
            body += ["", f"*{pick(lang, TEXT['time'])}: {times}*"]
        body.append("")
    lines += [pick(lang, TEXT["summary"]).format(**counts), ""] + body
    return "\n".join(lines).rstrip() + "\n"


def write(record_path, docs_dir) -> list[Path]:
    """Write the page in both languages into ``docs_dir`` from the record at ``record_path``."""
    record = json.loads(Path(record_path).read_text(encoding="utf-8"))
    return [write_text_atomic(Path(docs_dir) / FILES[lang], table(record, lang)) for lang in FILES]


if __name__ == "__main__":
    write(sys.argv[1], sys.argv[2])
