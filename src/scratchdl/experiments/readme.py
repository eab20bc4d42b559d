"""The README's "measured" section, generated from a report's ``results.json``.

    python -m scratchdl.experiments.readme docs/report/results.json README.md

rewrites the text between ``<!-- report:begin -->`` and ``<!-- report:end -->``, so every number the
README quotes comes from a run of ``scratchdl report``; a test checks the two agree.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..atomic import write_text_atomic
from .mathml import markdown

BEGIN, END = "<!-- report:begin -->", "<!-- report:end -->"
MAX_NUMBERS = 6


def _format(value) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list) and len(value) <= 4 and all(isinstance(v, int | float) for v in value):
        return "[" + ", ".join(_format(v) for v in value) + "]"
    return str(value)


def _headline_numbers(numbers: dict) -> list[str]:
    """The first few top-level numbers of an experiment (nested tables stay in the report)."""
    shown = []
    for key, value in numbers.items():
        if isinstance(value, int | float) or (isinstance(value, list) and len(value) <= 4):
            shown.append(f"{key} = {_format(value)}")
        if len(shown) == MAX_NUMBERS:
            break
    return shown


def summary(results: dict) -> str:
    """Markdown: per experiment its checks, headline numbers and findings."""
    mode = "quick" if results.get("quick") else "full"
    lines = [f"From `scratchdl report` ({mode} sizes, seed {results['seed']}, {results['generated']}, "
             f"{results['total_seconds']:.0f} s in all; the whole report is in `docs/report/report.md`):", ""]
    for exp in results["experiments"]:
        checks = exp.get("checks", {})
        passed = sum(bool(v) for v in checks.values())
        lines.append(f"- **{exp['name']}** ({markdown(exp['title'])}): {passed}/{len(checks)} checks pass, "
                     f"{exp['seconds']:.1f} s.")
        numbers = _headline_numbers(exp.get("numbers", {}))
        if numbers:
            lines.append("  Measured: " + "; ".join(numbers) + ".")
        for note in exp.get("notes", []):
            lines.append(f"  {markdown(note)}")
        for check, ok in checks.items():
            lines.append(f"  - {'✓' if ok else '✗'} {markdown(check)}")
    return "\n".join(lines)


def update(results_path, readme_path) -> str:
    """Replace the README block with the summary of ``results_path``; returns the new README."""
    results = json.loads(Path(results_path).read_text(encoding="utf-8"))
    readme = Path(readme_path).read_text(encoding="utf-8")
    head, _, rest = readme.partition(BEGIN)
    _, _, tail = rest.partition(END)
    text = f"{head}{BEGIN}\n{summary(results)}\n{END}{tail}"
    write_text_atomic(readme_path, text)
    return text


if __name__ == "__main__":
    update(sys.argv[1], sys.argv[2])
