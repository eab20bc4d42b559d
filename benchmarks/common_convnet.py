"""The book's SimpleConvNet trained through scratchdl.common against the same network on the book's own
``common`` ("Deep Learning from Scratch", ch07), float64, the same numbers.

    python benchmarks/common_convnet.py --book-path ~/deep-learning-from-scratch     # the comparison
    python benchmarks/common_convnet.py                      # no copy of the book: scratchdl.common alone
    python benchmarks/common_convnet.py --book-path DIR --iterations 50 --repeats 5 --json out.json
    python benchmarks/common_convnet.py --book-path DIR --threads 1     # both sides on one core

Method: one iteration is the book's ``Trainer.train_step`` without the accuracy: a mini-batch drawn
with replacement by ``np.random.choice``, ``network.gradient``, ``Adam(lr=0.001).update`` of the dict
``params``, and ``network.loss`` on the batch; ch07's network (30 filters of 5x5 on 1x28x28, 2x2
max-pool, affine 100, affine 10), batch 100, on synthetic MNIST-shaped float32 images. Each side runs
in a fresh process of its own (this script with ``--worker``), seeded the same way (``np.random.seed``
before the network, so the same weights and batches), imports NumPy first, runs ``--warmup``
iterations, then times ``--iterations``; the processes alternate ``--repeats`` times, and each side's
time is the median. The book's side puts the copy's folder and its ``ch07`` on ``sys.path`` and
imports ``simple_convnet`` and ``common.optimizer`` from there; scratchdl's side imports
``scratchdl.common.simple_convnet`` and ``scratchdl.common.optimizer``. The script stops with an
error unless every loss of the two sides agrees to 1e-10. An epoch of MNIST is 600 iterations.
``--threads N`` sets ``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``, ``MKL_NUM_THREADS`` and
``SCRATCHDL_NUM_THREADS`` to N in both workers (the book's side is multi-threaded only in BLAS).
No copy of the book ships with scratchdl: without ``--book-path`` only scratchdl.common is timed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ITERATIONS_PER_EPOCH = 600          # 60,000 MNIST images at batch 100
TOLERANCE = 1e-10
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "SCRATCHDL_NUM_THREADS")


def worker(args) -> dict:
    """Build the network on one side, train, and return the losses and the timed seconds."""
    import numpy as np

    if args.worker == "book":
        book = Path(args.book_path).resolve()
        sys.path[:0] = [str(book), str(book / "ch07")]
        from common.optimizer import Adam
        from simple_convnet import SimpleConvNet
    else:
        from scratchdl.common.optimizer import Adam
        from scratchdl.common.simple_convnet import SimpleConvNet
    rng = np.random.default_rng(0)
    x = rng.random((args.train_size, 1, 28, 28)).astype(np.float32)
    t = rng.integers(0, 10, args.train_size)
    np.random.seed(0)  # noqa: NPY002 (the book's global generator)
    network = SimpleConvNet(input_dim=(1, 28, 28),
                            conv_param={"filter_num": args.filters, "filter_size": 5, "pad": 0, "stride": 1},
                            hidden_size=args.hidden, output_size=10, weight_init_std=0.01)
    optimizer = Adam(lr=0.001)
    losses = []

    def step():
        mask = np.random.choice(args.train_size, args.batch)  # noqa: NPY002
        optimizer.update(network.params, network.gradient(x[mask], t[mask]))
        losses.append(float(network.loss(x[mask], t[mask])))

    for _ in range(args.warmup):
        step()
    start = time.perf_counter()
    for _ in range(args.iterations):
        step()
    return {"seconds": time.perf_counter() - start, "losses": losses}


def run_worker(side: str, args) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", side]
    for option in ("batch", "iterations", "warmup", "train_size", "filters", "hidden"):
        command += ["--" + option.replace("_", "-"), str(getattr(args, option))]
    if args.book_path:
        command += ["--book-path", str(args.book_path)]
    env = dict(os.environ)
    if args.threads:
        for name in THREAD_VARIABLES:
            env[name] = str(args.threads)
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"common_convnet: the {side} worker failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def summary(runs: list, iterations: int) -> dict:
    per_iteration = [run["seconds"] / iterations for run in runs]
    median, fastest = statistics.median(per_iteration), min(per_iteration)
    return {"ms_per_iteration": 1e3 * median, "s_per_epoch": median * ITERATIONS_PER_EPOCH,
            "fastest_ms": 1e3 * fastest, "spread": (max(per_iteration) - fastest) / median,
            "repeats_ms": [1e3 * s for s in per_iteration]}


def table(report: dict) -> str:
    rows = ["| common | ms / iteration (median) | fastest | spread | s / epoch (600 iterations) | speed-up |",
            "|---|---:|---:|---:|---:|---:|"]
    book = report.get("book")
    for side in ("book", "scratchdl"):
        if report.get(side) is None:
            continue
        r = report[side]
        speedup = f"{book['ms_per_iteration'] / r['ms_per_iteration']:.2f}x" if book else "-"
        rows.append(f"| {side} | {r['ms_per_iteration']:.1f} | {r['fastest_ms']:.1f} | "
                    f"{100 * r['spread']:.0f}% | {r['s_per_epoch']:.1f} | {speedup} |")
    return "\n".join(rows)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--book-path", type=Path, help="a copy of oreilly-japan/deep-learning-from-scratch")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--iterations", type=int, default=20, help="timed iterations per repeat")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--train-size", type=int, default=1000, help="synthetic images to draw batches from")
    parser.add_argument("--filters", type=int, default=30)
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--threads", type=int, help="threads of BLAS and of scratchdl in both workers")
    parser.add_argument("--json", type=Path, help="also write the report here")
    parser.add_argument("--worker", choices=("book", "scratchdl"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args)))
        return {}
    if args.book_path is None:
        print("common_convnet: no copy of the book's common given (--book-path DIR): the comparison is "
              "skipped; timing scratchdl.common alone")
    elif not (args.book_path / "common" / "layers.py").is_file() or not (args.book_path / "ch07").is_dir():
        raise SystemExit(f"common_convnet: {args.book_path} has no common/layers.py and ch07/: give the "
                         f"folder of a copy of oreilly-japan/deep-learning-from-scratch")
    sides = ("book", "scratchdl") if args.book_path else ("scratchdl",)
    runs = {side: [] for side in sides}
    for _ in range(args.repeats):
        for side in sides:
            runs[side].append(run_worker(side, args))
    report = {"batch": args.batch, "iterations": args.iterations, "repeats": args.repeats,
              "filters": args.filters, "hidden": args.hidden, "threads": args.threads,
              "load_average": os.getloadavg(),
              "cpu_count": os.cpu_count(), "book": None}
    for side in sides:
        report[side] = summary(runs[side], args.iterations)
    if args.book_path:
        book_losses, our_losses = runs["book"][0]["losses"], runs["scratchdl"][0]["losses"]
        difference = max(abs(a - b) for a, b in zip(book_losses, our_losses, strict=True))
        report["max_loss_difference"] = difference
        if difference > TOLERANCE:
            raise SystemExit(f"common_convnet: the losses differ by {difference:.3g} (more than {TOLERANCE})")
        report["speedup"] = report["book"]["ms_per_iteration"] / report["scratchdl"]["ms_per_iteration"]
    print(f"SimpleConvNet ({args.filters} filters 5x5, hidden {args.hidden}), batch {args.batch}, float64, "
          f"Adam; {args.iterations} iterations x {args.repeats} repeats; threads "
          f"{args.threads or 'default'}; load average "
          f"{report['load_average'][0]:.2f} on {report['cpu_count']} CPUs")
    print(table(report))
    if args.book_path:
        print(f"losses agree to {report['max_loss_difference']:.1e} over {len(book_losses)} iterations")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report


if __name__ == "__main__":
    main()
