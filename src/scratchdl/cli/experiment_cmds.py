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
from pathlib import Path

from .. import experiments
from ..errors import ConfigError
from ..experiments.base import LANGS
from ..experiments.report import rows
from .options import non_negative_int


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
    p.add_argument("--lang", choices=LANGS, default="en", help="language of text and figures (default en)")
    p.add_argument("--seed", type=non_negative_int, default=0, help="random seed (default 0)")


def run_experiment(args) -> int:
    if args.list:
        for name in experiments.names():
            try:
                title = experiments.load(name).TITLE
                print(f"{name:<30} {title.get(args.lang, title['en'])}")
            except ImportError as e:
                print(f"{name:<30} (not available: {e})")
        return 0
    if args.name is None:
        raise ConfigError("give an experiment NAME, or --list to see them")
    out = Path(args.out or Path("runs") / "experiments" / args.name)
    try:
        experiments.load(args.name)
    except ImportError as e:
        raise ConfigError(f"experiment {args.name!r} is not available: {e}") from None
    result = experiments.run(args.name, out, quick=args.quick, lang=args.lang, seed=args.seed)
    print(f"{args.name}: {result.title}")
    width = min(max((len(k) for k, _ in rows(result.numbers)), default=0), 60)
    for key, value in rows(result.numbers):
        print(f"  {key:<{width}}  {value}")
    for note in result.notes:
        print(f"  * {note}")
    for check, ok in result.checks.items():
        print(f"  [{'ok' if ok else 'FAILED'}] {check}")
    for path in result.figures:
        print(f"  figure: {path}")
    passed = sum(map(bool, result.checks.values()))
    print(f"{passed}/{len(result.checks)} checks passed in {result.seconds:.1f} s")
    return 0


def run_report(args) -> int:
    out = Path(args.out or Path("runs") / "report")
    selected = args.only or experiments.names()
    failures = []

    def progress(name, result, error):
        index = selected.index(name) + 1
        if error is not None:
            failures.append(f"{name} ({error})")
            print(f"[{index}/{len(selected)}] {name}: FAILED: {error}", flush=True)
            return
        passed = sum(map(bool, result.checks.values()))
        print(f"[{index}/{len(selected)}] {name}: {passed}/{len(result.checks)} checks passed, "
              f"{len(result.figures)} figure(s), {result.seconds:.1f} s", flush=True)

    markdown = experiments.write_report(out, quick=args.quick, lang=args.lang, names=selected, seed=args.seed,
                                        on_result=progress)
    for name in ("report.md", "report.html", "results.json"):
        print(f"wrote {markdown.parent / name}")
    if failures:
        print(f"scratchdl report: error: {len(failures)} experiment(s) failed: {'; '.join(failures)}",
              file=sys.stderr)
        return 1
    return 0
