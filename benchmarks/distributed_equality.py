"""How close `mpiexec -n N scratchdl train` ends to one process: the largest weight difference, for one
step, for a few dozen steps, and for the default command (Adam, 40 epochs).

    python benchmarks/distributed_equality.py                      # every case, N = 2 (about 3 minutes idle)
    python benchmarks/distributed_equality.py --cases one-step 44-steps   # the short cases only (seconds)
    python benchmarks/distributed_equality.py --json out.json

Method: each case is one `scratchdl train` command run twice, alone and under `mpiexec -n N`, into
two run folders; the weights of the two final checkpoints are compared. "largest difference" is
max |w1 - wN| over every weight, "relative" divides it by the largest |w1| of the model (the
scale the tests' tolerances use). The short cases train an MLP 2-16-16-3 on the spiral (240
samples): one step (global batch 240, one epoch) and 44 steps (global batch 11, two epochs, the
shares 5 + 6 uneven), with SGD and Adam, in float32 and float64. The default case is `scratchdl
train` itself (SimpleConvNet on digits, Adam, lr 0.003, cosine schedule, batch 32, 40 epochs =
1,800 steps); beside it, the same command in one process with one block thread against two, which
changes nothing but the order in which the gradient's terms are summed (``SCRATCHDL_NUM_THREADS``):
the drift that any rounding change gives, MPI or not. Every process has one BLAS thread; the
N-process and one-thread runs have one block thread per rank, the two-thread run two.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from distributed import env, mpiexec  # noqa: E402

SPIRAL = ["--model", "mlp", "--hidden", "16,16", "--dataset", "spiral", "--scheduler", "none", "--seed", "2"]
SHORT_CASES = {"one-step": ["--batch-size", "240", "--epochs", "1"],
               "44-steps": ["--batch-size", "11", "--epochs", "2"]}


def train(folder: Path, n: int, options: list[str], threads: int = 1) -> dict:
    """Run ``scratchdl train OPTIONS`` (under ``mpiexec -n n`` when n > 1); its weights and accuracy."""
    import numpy as np
    from safetensors.numpy import load_file

    launch = [mpiexec(), "-n", str(n)] if n > 1 else []
    cmd = [*launch, sys.executable, "-m", "scratchdl", "train", *options, "--no-progress", "--out", folder]
    subprocess.run(cmd, env=dict(env(), SCRATCHDL_NUM_THREADS=str(threads)), check=True, capture_output=True)
    meta = json.loads((folder / "checkpoint.json").read_text())
    weights = load_file(str(folder / meta["weights"]["file"]))
    return {"weights": {k: np.asarray(v, dtype=np.float64) for k, v in weights.items()},
            "test_accuracy": meta["history"][-1]["test_accuracy"]}


def difference(a: dict, b: dict) -> dict:
    """Largest |a - b| over every weight, alone and divided by the largest |a|."""
    largest = max(abs(a["weights"][k] - b["weights"][k]).max() for k in a["weights"])
    scale = max(abs(v).max() for v in a["weights"].values())
    return {"largest_difference": float(largest), "relative": float(largest / scale),
            "test_accuracy": [a["test_accuracy"], b["test_accuracy"]]}


def compare(name: str, options: list[str], n: int, threads: tuple[int, int] = (1, 1)) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        one = train(Path(tmp) / "one", 1, options, threads[0])
        other = train(Path(tmp) / "other", n, options, threads[1])
    return {"case": name, **difference(one, other)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--processes", type=int, default=2, help="N (default 2)")
    cases = [*SHORT_CASES, "default"]
    parser.add_argument("--cases", nargs="+", choices=cases, default=cases)
    parser.add_argument("--optimizers", nargs="+", choices=["sgd", "adam"], default=["sgd", "adam"],
                        help="of the short cases (the default command's is Adam)")
    parser.add_argument("--json", help="write the results here too")
    args = parser.parse_args()
    n = args.processes
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print("| case | optimizer | dtype | N | largest weight difference | relative to the largest weight | "
          "test accuracy (1 / N) |\n|---|---|---|---:|---:|---:|---|", flush=True)
    rows = []

    def report(row: dict, optimizer: str, dtype: str, processes: str) -> None:
        rows.append({**row, "optimizer": optimizer, "dtype": dtype, "processes": processes})
        accuracy = " / ".join(f"{a:.4f}" for a in row["test_accuracy"])
        print(f"| {row['case']} | {optimizer} | {dtype} | {processes} | {row['largest_difference']:.2g} | "
              f"{row['relative']:.2g} | {accuracy} |", flush=True)

    for name in [c for c in args.cases if c in SHORT_CASES]:
        for optimizer in args.optimizers:
            for dtype in ("float32", "float64"):
                options = [*SPIRAL, *SHORT_CASES[name], "--optimizer", optimizer, "--dtype", dtype]
                report(compare(name.replace("-", " "), options, n), optimizer, dtype, str(n))
    if "default" in args.cases:
        for dtype in ("float32", "float64"):
            default = ["--dtype", dtype]
            report(compare("default command, 40 epochs", default, n), "adam", dtype, str(n))
            report(compare("default command, 1 thread against 2, one process", default, 1, threads=(1, 2)),
                   "adam", dtype, "1")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
