"""A topic's claim, its figures' panels and its checks, declared as data so that they agree.

Every topic module declares, next to ``NAME`` and ``TITLE``:

- ``STATEMENTS``: the claim, one ``Statement`` per assertion (``CLAIM = claim(STATEMENTS)``);
- ``PANELS``: one ``Panel`` per panel of its figures (or per grid of like panels), each with the
  function that words its finding from the run's numbers;
- ``CHECKS``: one ``Check`` per tested assertion: the statement it tests, the panels whose numbers it
  reads, and its test, a function of the run's numbers as ``results.json`` holds them.

``run`` measures, fills ``result.numbers``, draws, and calls ``conclude``, which sets
``result.checks`` and ``result.notes`` (the findings) from the numbers alone. So a check can be
re-evaluated, and a finding re-worded, from a recorded ``results.json`` without running anything;
``consistency`` builds the table in ``docs/report-consistency.md`` from these declarations, and
``tests/experiments/test_consistency.py`` keeps them in step (every statement and every panel has a
check, every figure has its panels, the recorded three-seed run holds).

Check texts may name top-level numbers in braces (``"after {epochs} epochs"``), filled per run.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass

from .base import pick


@dataclass(frozen=True)
class Statement:
    """One assertion of a topic's claim."""

    key: str
    text: dict  # {"en": ..., "ja": ...}


@dataclass(frozen=True)
class Panel:
    """One panel of a figure (or a grid of like panels) and how its finding is worded."""

    key: str
    figure: str  # the PNG file the panel is drawn in
    label: dict  # where it is and what it shows, e.g. {"en": "left, loss per step", "ja": ...}
    finding: Callable[[dict, str], str]  # (numbers, lang) -> the finding, with this run's numbers


@dataclass(frozen=True)
class Check:
    """One test of a statement on the numbers a run wrote."""

    key: str
    text: dict  # {"en": ..., "ja": ...}; {name} fields are filled from the top-level numbers
    statement: str  # the key of the Statement it tests
    panels: tuple[str, ...]  # the keys of the panels whose numbers it reads; () for numbers not drawn
    holds: Callable[[dict], bool]
    full_only: bool = False  # needs the full size (left out of a --quick run)


def claim(statements) -> dict:
    """The claim text in both languages: the statements in order."""
    return {"en": " ".join(s.text["en"] for s in statements), "ja": "".join(s.text["ja"] for s in statements)}


def check_text(check: Check, numbers: dict, lang: str) -> str:
    """The check's text in ``lang``, its ``{name}`` fields filled from ``numbers``."""
    return string.Formatter().vformat(pick(lang, check.text), (), numbers)


def finding_text(panel: Panel, numbers: dict, lang: str) -> str:
    """``"label: finding"`` of ``panel`` from ``numbers``."""
    return f"{pick(lang, panel.label)}: {panel.finding(numbers, lang)}"


def applicable(checks, quick: bool) -> list[Check]:
    """The checks a run of this size makes."""
    return [c for c in checks if not (quick and c.full_only)]


def conclude(result, panels, checks, quick: bool) -> None:
    """Set ``result.checks`` and ``result.notes`` from ``result.numbers`` (made JSON-plain first, so
    that they come out the same as when re-evaluated from ``results.json``)."""
    from .report import plain

    numbers = plain(result.numbers)
    result.checks = {check_text(c, numbers, result.lang): bool(c.holds(numbers)) for c in applicable(checks, quick)}
    result.notes = [finding_text(p, numbers, result.lang) for p in panels]


def listing(lang: str, items) -> str:
    """``items`` joined as ``lang`` writes a list: ``a, b, c`` or ``a、b、c``."""
    return ("、" if lang == "ja" else ", ").join(items)


def pct(value) -> str:
    """``0.953`` -> ``"95.3%"`` (one decimal, as the findings write accuracies); ``None`` -> ``"–"``."""
    return "–" if value is None else f"{100 * float(value):.1f}%"
