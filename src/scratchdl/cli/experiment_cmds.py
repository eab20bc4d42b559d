"""``scratchdl experiment NAME`` / ``experiment --list`` and ``scratchdl report``.

``experiment`` runs one topic of the study report as a measured experiment and prints its key
numbers, its checks and the paths of its figures. ``report`` runs them all and writes
``report.md``, a self-contained ``report.html`` and ``results.json``; it exits with status 1 if
any experiment raised (the report still covers the others). A failed check is reported, not an
error: the run worked and the number is what it is.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from pathlib import Path

from .. import experiments
from ..errors import ConfigError
from ..experiments.base import pick
from ..experiments.report import rows
from ..lang import LANGS, default_lang
from .options import non_negative_int

# What the two commands print, in each language of --lang.
TEXT = {
    "ok": {"en": "ok", "ja": "合格"},
    "failed": {"en": "FAILED", "ja": "不合格"},
    "figure": {"en": "figure", "ja": "図"},
    "passed": {"en": "{passed}/{total} checks passed in {seconds:.1f} s",
               "ja": "検証 {passed}/{total} 件に合格 ({seconds:.1f} 秒)"},
    "progress": {"en": "{passed}/{total} checks passed, {figures} figure(s), {seconds:.1f} s",
                 "ja": "検証 {passed}/{total} 件に合格、図 {figures} 枚、{seconds:.1f} 秒"},
    "raised": {"en": "FAILED: {error}", "ja": "失敗: {error}"},
    "wrote": {"en": "wrote {path}", "ja": "書き出し: {path}"},
    "not_available": {"en": "(not available: {error})", "ja": "(使えません: {error})"},
    "some_failed": {"en": "{n} experiment(s) failed: {names}", "ja": "{n} 件の実験が失敗: {names}"},
}


def experiment_name(text: str) -> str:
    key = text.lower().replace("_", "-")
    if key not in experiments.EXPERIMENTS:
        raise argparse.ArgumentTypeError(f"unknown experiment {text!r}; valid: "
                                         f"{', '.join(experiments.names())} (see --list)")
    return key


def experiment_names(text: str) -> list[str]:
    """``"sgd,backprop"`` -> ``["sgd", "backprop"]``, each a known experiment."""
    names = [experiment_name(part.strip()) for part in text.split(",") if part.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"expected comma-separated experiment names, got {text!r}")
    return names


def register(commands) -> None:
    p = commands.add_parser("experiment", help="run one topic of the study report as a measured experiment",
                            description="Run one experiment: print its numbers and checks, write its "
                                        "figures.")
    p.add_argument("name", metavar="NAME", nargs="?", type=experiment_name,
                   help=f"one of: {', '.join(experiments.names())}")
    p.add_argument("--list", action="store_true", help="list the experiments and exit")
    _common(p, "folder for the figures (default runs/experiments/NAME)")
    p.set_defaults(run=run_experiment)

    p = commands.add_parser("report", help="run every experiment and write report.md and report.html",
                            description="Run the experiments and write report.md, a self-contained "
                                        "report.html (figures embedded) and results.json.")
    _common(p, "output folder (default runs/report)")
    p.add_argument("--only", type=experiment_names, metavar="NAMES",
                   help="comma-separated experiments to include (default: all)")
    p.set_defaults(run=run_report)


def _common(p, out_help: str) -> None:
    p.add_argument("--quick", action="store_true", help="small sizes that finish in seconds")
    p.add_argument("--out", metavar="DIR", help=out_help)
    p.add_argument("--lang", choices=LANGS, help="language of text and figures (default: $SCRATCHDL_LANG, "
                   "else ja in a Japanese locale, else en)")
    p.add_argument("--seed", type=non_negative_int, default=0, help="random seed (default 0)")


def say(lang: str, key: str, **values) -> str:
    """``TEXT[key]`` in ``lang``, filled with ``values``."""
    return pick(lang, TEXT[key]).format(**values)


def run_experiment(args) -> int:
    lang = args.lang = args.lang or default_lang()
    if args.list:
        for name in experiments.names():
            try:
                print(f"{name:<30} {pick(lang, experiments.load(name).TITLE)}")
            except ImportError as e:
                print(f"{name:<30} {say(lang, 'not_available', error=e)}")
        return 0
    if args.name is None:
        raise ConfigError("give an experiment NAME, or --list to see them")
    out = Path(args.out or Path("runs") / "experiments" / args.name)
    try:
        experiments.load(args.name)
    except ImportError as e:
        raise ConfigError(f"experiment {args.name!r} is not available: {e}") from None
    result = experiments.run(args.name, out, quick=args.quick, lang=lang, seed=args.seed)
    print(f"{args.name}: {result.title}")
    numbers = rows(result.numbers, lang=lang)
    width = min(max((_width(k) for k, _ in numbers), default=0), 60)
    for key, value in numbers:
        print(f"  {key}{' ' * max(width - _width(key), 0)}  {value}")
    for note in result.notes:
        print(f"  * {note}")
    for check, ok in result.checks.items():
        print(f"  [{say(lang, 'ok' if ok else 'failed')}] {check}")
    for path in result.figures:
        print(f"  {say(lang, 'figure')}: {path}")
    passed = sum(map(bool, result.checks.values()))
    print(say(lang, "passed", passed=passed, total=len(result.checks), seconds=result.seconds))
    return 0


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: East Asian wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def run_report(args) -> int:
    lang = args.lang = args.lang or default_lang()
    out = Path(args.out or Path("runs") / "report")
    selected = args.only or experiments.names()
    failures = []

    def progress(name, result, error):
        index = selected.index(name) + 1
        if error is not None:
            failures.append(f"{name} ({error})")
            print(f"[{index}/{len(selected)}] {name}: {say(lang, 'raised', error=error)}", flush=True)
            return
        passed = sum(map(bool, result.checks.values()))
        summary = say(lang, "progress", passed=passed, total=len(result.checks), figures=len(result.figures),
                      seconds=result.seconds)
        print(f"[{index}/{len(selected)}] {name}: {summary}", flush=True)

    markdown = experiments.write_report(out, quick=args.quick, lang=lang, names=selected, seed=args.seed,
                                        on_result=progress)
    for name in ("report.md", "report.html", "results.json"):
        print(say(lang, "wrote", path=markdown.parent / name))
    if failures:
        failed = say(lang, "some_failed", n=len(failures), names="; ".join(failures))
        print(f"scratchdl report: error: {failed}", file=sys.stderr)
        return 1
    return 0
