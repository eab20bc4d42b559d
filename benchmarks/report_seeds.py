"""Run every topic of the report at full size for several seeds and record which checks held.

    nice -n 10 python benchmarks/report_seeds.py                 # every topic, seeds 0 1 2
    nice -n 10 python benchmarks/report_seeds.py --only weight-init cnn --seeds 0 1 2
    python benchmarks/report_seeds.py --reevaluate   # checks changed, measurements not: no rerun

Each (topic, seed) runs into a temporary folder (the figures are thrown away); its numbers, as
``results.json`` would hold them, and which checks held are merged into ``docs/report-seeds.json``
after every run (an interrupted run keeps what it finished), and the consistency tables
``docs/report-consistency.md`` and ``docs/report-consistency.ja.md`` are rewritten from it. The full
report takes about 6 minutes per seed on an idle 2-core machine; this is measured once and recorded,
not run in CI (``tests/experiments/test_consistency.py`` checks the record against the code).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

import numpy as np

from scratchdl import experiments
from scratchdl.atomic import write_text_atomic
from scratchdl.experiments import consistency, figures
from scratchdl.experiments.report import plain

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "experiments"))  # experiment_helpers.layout_problems


def save(record: dict, path: Path) -> None:
    """Write the record atomically, one (topic, seed) entry per line, so that a rerun of one topic
    changes its own lines only."""
    def compact(value) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    topics = []
    for name, seeds in record["topics"].items():
        entries = ",\n".join(f"   {compact(seed)}: {compact(entry)}" for seed, entry in seeds.items())
        topics.append(f"  {compact(name)}: {{\n{entries}\n  }}")
    text = (f'{{\n "meta": {compact(record["meta"])},\n "seeds": {compact(record["seeds"])},\n "topics": {{\n'
            + ",\n".join(topics) + "\n }\n}\n")
    write_text_atomic(path, text)


def machine() -> str:
    """The CPU model and core count, as a person would name the machine."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()}, {os.cpu_count()} cores"
    except OSError:
        pass
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"


def run_one(name: str, seed: int) -> dict:
    """One topic at full size for ``seed``: its numbers, which checks held (by key), its time, and the
    layout problems of its figures (the tests' ``layout_problems``: a legend over data, a label on the
    frame, a subscript outside mathtext), found while each figure is saved."""
    from experiment_helpers import layout_problems

    module = experiments.load(name)
    problems, figure_info = [], figures.figure_info

    def recording(fig, *args, **kwargs):
        problems.extend(layout_problems(fig))
        return figure_info(fig, *args, **kwargs)

    with tempfile.TemporaryDirectory() as out, mock.patch.object(figures, "figure_info", recording):
        result = module.run(out, quick=False, lang="en", seed=seed)
    numbers = plain(result.numbers)
    return {"numbers": numbers, "checks": {c.key: bool(c.holds(numbers)) for c in module.CHECKS},
            "seconds": result.seconds, "load_average": [round(v, 2) for v in os.getloadavg()],
            "layout_problems": problems, "generated": datetime.now(UTC).isoformat(timespec="seconds")}


def reevaluate(record_path: Path, note: str = "") -> int:
    """Recompute every recorded entry's checks from its recorded numbers and rewrite the tables."""
    record = json.loads(record_path.read_text(encoding="utf-8"))
    if note:
        record["meta"]["note"] = note
    for name, seeds in record["topics"].items():
        module = experiments.load(name)
        for entry in seeds.values():
            entry["checks"] = {c.key: bool(c.holds(entry["numbers"])) for c in module.CHECKS}
    save(record, record_path)
    for path in consistency.write(record_path, record_path.parent):
        print(f"wrote {path}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--only", nargs="+", metavar="TOPIC", help="these topics only (default: every topic)")
    parser.add_argument("--record", type=Path, default=ROOT / "docs" / "report-seeds.json")
    parser.add_argument("--note", default="", help="a word on the machine's load, kept in the record")
    parser.add_argument("--reevaluate", action="store_true",
                        help="run nothing: re-evaluate the checks on the recorded numbers (after a check's "
                             "threshold or wording changed, not the measurement) and rewrite the tables")
    args = parser.parse_args(argv)
    if args.reevaluate:
        return reevaluate(args.record, args.note)
    names = args.only or experiments.names()
    record = json.loads(args.record.read_text(encoding="utf-8")) if args.record.exists() else {}
    record.setdefault("topics", {})
    record["seeds"] = sorted(set(record.get("seeds", [])) | set(args.seeds))
    record["meta"] = {"generated": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
                      "python": platform.python_version(), "numpy": np.__version__,
                      "note": args.note or record.get("meta", {}).get("note", "")}
    for name in names:
        for seed in args.seeds:
            started = time.perf_counter()
            entry = run_one(name, seed)
            record["topics"].setdefault(name, {})[str(seed)] = entry
            save(record, args.record)
            failed = [k for k, ok in entry["checks"].items() if not ok]
            held = f"{len(entry['checks']) - len(failed)}/{len(entry['checks'])}"
            print(f"{name} seed {seed}: {held} checks held"
                  + (f" (failed: {', '.join(failed)})" if failed else "")
                  + (f", layout: {'; '.join(entry['layout_problems'])}" if entry["layout_problems"] else "")
                  + f", {time.perf_counter() - started:.0f} s, load {entry['load_average'][0]}", flush=True)
    for path in consistency.write(args.record, args.record.parent):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
