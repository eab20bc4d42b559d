"""Data-parallel scaling on MPI: samples/s of W2-W4 and of `scratchdl train`'s default job at N = 1
and N = 2 processes, one BLAS thread per rank, and the all-reduce's share of a step.

    python benchmarks/distributed.py                          # W2 W3 W4 + the train job, 3 repeats
    python benchmarks/distributed.py --workloads W3 --repeats 5 --steps 40 --json out.json
    python benchmarks/distributed.py --workloads --repeats 5         # the default command alone

Method: for each workload, `mpiexec -n N python benchmarks/distributed.py --worker W ...` runs on
every rank the model of ``workloads.py`` with the workload's batch as the *global* batch: each
rank takes its share of one synthetic batch (W2: 256 -> 128 + 128), and one step is forward,
backward, ``GradientReducer`` as ``fit`` runs it and the SGD update. The all-reduce is the
shared-memory one where it applies, or MPI's ``Allreduce`` of the scaled buffer with
``SCRATCHDL_ALLREDUCE=mpi`` exported; the table's last column says which ran. After ``--warmup``
steps, ``--steps`` steps are timed between two barriers; rank 0 reports global samples/s and the
mean time of the all-reduce per step (waiting for the slower rank included), and the same
all-reduce timed alone after a barrier (without waiting for the other rank).
N = 1 and N = 2 runs alternate, ``--repeats`` times, and the median of each is reported.
OMP/OPENBLAS/MKL_NUM_THREADS=1 and SCRATCHDL_NUM_THREADS=1 (no block threads) in every rank, at N = 1 too.

The train job is the default command as a user runs it, ``scratchdl train`` against ``mpiexec -n 2
scratchdl train`` (SimpleConvNet on digits, Adam, global batch 32, ``--train-epochs`` 40 by default),
with the BLAS at one thread but scratchdl's own block threads left at their default (the cores,
shared among the ranks of a machine); its table gives the command's wall seconds (start-up,
data, training, evaluation, writing), the training seconds (the history's), the samples/s of the
training and the test accuracy, medians over the repeats.

The machine must be otherwise idle: two ranks that wait for each other at every step lose whole
time slices when another process takes a core. The CPU time that other processes (and the
hypervisor: steal) took during the run is measured from /proc/stat, and above 5% the table is
marked as not a valid scaling measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
sys.path.insert(0, str(HERE))

from train_throughput import cpu_model, others_share  # noqa: E402  (no NumPy, no torch at import)

BUSY_SHARE = 0.05  # above this share of the CPU time taken by others, the numbers are not valid


def mpiexec() -> str:
    beside = Path(sys.executable).parent / "mpiexec"
    found = str(beside) if beside.exists() else shutil.which("mpiexec")
    if found is None:
        sys.exit("benchmarks/distributed.py: needs mpiexec and mpi4py: pip install -e '.[mpi]'")
    return found


def env() -> dict:
    e = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", MPLBACKEND="Agg",
             SCRATCHDL_NUM_THREADS="1")
    e["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), e.get("PYTHONPATH", "")) if p)
    return e


def worker(name: str, steps: int, warmup: int) -> None:
    """One rank's part of a timed run; rank 0 prints a JSON line."""
    sys.path.insert(0, str(HERE))
    from workloads import WORKLOADS, scratchdl_model, synthetic_batch

    from scratchdl import distributed
    from scratchdl.nn import CrossEntropyLoss
    from scratchdl.optim import SGD

    comm = distributed.world(required=True)
    batch = WORKLOADS[name].batch
    lo, hi = distributed.shard_bounds(batch, comm.rank, comm.size)
    x, t = synthetic_batch(batch)
    x, t = x[lo:hi], t[lo:hi]
    model = scratchdl_model(name).train().requires_input_grad(False)
    distributed.broadcast_parameters(model, comm=comm)
    loss_fn = CrossEntropyLoss()
    optimizer = SGD(model.parameters(), lr=0.01)
    reducer = distributed.GradientReducer(model.parameters(), comm)
    reduce_seconds = 0.0

    def step():
        nonlocal reduce_seconds
        optimizer.zero_grad()
        loss_fn(model(x), t)
        model.backward(loss_fn.backward())
        if comm.size > 1:  # N = 1 is the plain single-process step
            start = time.perf_counter()
            reducer(len(x), (), batch)
            reduce_seconds += time.perf_counter() - start
        optimizer.step()

    for _ in range(warmup):
        step()
    reduce_seconds = 0.0
    comm.mpi.Barrier() if comm.size > 1 else None
    start = time.perf_counter()
    for _ in range(steps):
        step()
    comm.mpi.Barrier() if comm.size > 1 else None
    seconds = time.perf_counter() - start
    isolated = []  # the same all-reduce with both ranks already in step: the transfer alone
    for _ in range(steps if comm.size > 1 else 0):
        comm.mpi.Barrier()
        start = time.perf_counter()
        reducer(len(x), (), batch)
        isolated.append(time.perf_counter() - start)
    if comm.is_root:
        print(json.dumps({"samples_per_second": batch * steps / seconds, "step_ms": 1e3 * seconds / steps,
                          "allreduce_ms": 1e3 * reduce_seconds / steps,
                          "isolated_allreduce_ms": 1e3 * statistics.median(isolated) if isolated else 0.0,
                          "buffer_mb": reducer.buffer.nbytes / 2**20, "allreduce": reducer.method}))


def timed_workload(n: int, name: str, steps: int, warmup: int) -> dict:
    cmd = [mpiexec(), "-n", str(n), sys.executable, __file__, "--worker", name, "--steps", str(steps),
           "--warmup", str(warmup)]
    result = subprocess.run(cmd, env=env(), capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def timed_train(n: int, epochs: int) -> dict:
    """``scratchdl train --epochs E`` as a user runs it (``mpiexec -n n`` when n > 1): wall and training
    seconds, training samples/s and test accuracy."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "run"
        launch = [mpiexec(), "-n", str(n)] if n > 1 else []
        cmd = [*launch, sys.executable, "-m", "scratchdl", "train", "--epochs", str(epochs), "--no-progress",
               "--out", str(out)]
        user_env = {k: v for k, v in env().items() if k != "SCRATCHDL_NUM_THREADS"}
        start = time.perf_counter()
        subprocess.run(cmd, env=user_env, capture_output=True, text=True, check=True)
        wall = time.perf_counter() - start
        rows = json.loads((out / "history.json").read_text())
    return {"wall_seconds": wall, "training_seconds": sum(r["seconds"] for r in rows),
            "samples_per_second": statistics.mean(r["samples_per_second"] for r in rows),
            "test_accuracy": rows[-1]["test_accuracy"]}


def cpu_snapshot() -> tuple[float, float, float, float]:
    """(wall seconds, CPU seconds the machine was busy, CPU seconds this process and its finished
    children (every mpiexec and its ranks) used, steal seconds)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    busy = sum(fields[:7]) - fields[3] - fields[4]  # user, nice, system, irq, softirq
    tick = os.sysconf("SC_CLK_TCK")
    t = os.times()
    return time.perf_counter(), busy / tick, t.user + t.system + t.children_user + t.children_system, \
        fields[7] / tick


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workloads", nargs="*", default=["W2", "W3", "W4"],
                        help="default W2 W3 W4; none (--workloads alone) times only the train job")
    parser.add_argument("--no-train", action="store_true", help="skip the scratchdl train job")
    parser.add_argument("--train-epochs", type=int, default=40, help="epochs of the train job (default 40, "
                        "the default command's)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--json", help="write the results here too")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.steps, args.warmup)
        return
    jobs = [(w, lambda n, w=w: timed_workload(n, w, args.steps, args.warmup)) for w in args.workloads]
    if not args.no_train:
        jobs.append(("train", lambda n: timed_train(n, args.train_epochs)))
    print(f"{cpu_model()}, {os.cpu_count()} CPUs; load average before: {os.getloadavg()[0]:.1f}")
    results, start = {}, cpu_snapshot()
    if args.workloads:
        print("| workload | N=1 samples/s | N=2 samples/s | speed-up | N=2 step ms | all-reduce ms in step | "
              "share | all-reduce alone ms | buffer MB | all-reduce |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for name, job in jobs:
        runs = {1: [], 2: []}
        for _ in range(args.repeats):
            for n in (1, 2):  # interleaved, so that a burst of load hits both
                runs[n].append(job(n))
        med = {n: {k: statistics.median(r[k] for r in runs[n]) for k in runs[n][0] if k != "allreduce"}
               for n in runs}
        speedup = med[2]["samples_per_second"] / med[1]["samples_per_second"]
        results[name] = {"n1": med[1], "n2": med[2], "speedup": speedup, "runs": runs}
        if name == "train":
            continue
        step_ms, reduce_ms = med[2]["step_ms"], med[2]["allreduce_ms"]
        cells = [f"{step_ms:.1f}", f"{reduce_ms:.2f}", f"{100 * reduce_ms / step_ms:.1f}%",
                 f"{med[2]['isolated_allreduce_ms']:.2f}", f"{med[2]['buffer_mb']:.1f}",
                 runs[2][0]["allreduce"]]
        print(f"| {name} | {med[1]['samples_per_second']:.0f} | {med[2]['samples_per_second']:.0f} | "
              f"{speedup:.2f}x | {' | '.join(cells)} |", flush=True)
    if "train" in results:
        med = {n: results["train"][f"n{n}"] for n in (1, 2)}
        print(f"\n| `scratchdl train --epochs {args.train_epochs}` | N=1 | N=2 | speed-up |")
        print("|---|---:|---:|---:|")
        for key, label, unit in (("wall_seconds", "wall", " s"), ("training_seconds", "training", " s"),
                                 ("samples_per_second", "training samples/s", "")):
            ratio = med[1][key] / med[2][key] if unit else med[2][key] / med[1][key]
            one, two = (f"{med[n][key]:.{1 if unit else 0}f}{unit}" for n in (1, 2))
            print(f"| {label} | {one} | {two} | {ratio:.2f}x |")
        print(f"| test accuracy | {med[1]['test_accuracy']:.4f} | {med[2]['test_accuracy']:.4f} | |")
    others, steal = others_share(start, cpu_snapshot())
    results["machine"] = {"cpu": cpu_model(), "cpus": os.cpu_count(), "others_cpu_share": others,
                          "steal_share": steal}
    print(f"load average after: {os.getloadavg()[0]:.1f}; other processes used {others:.0%} of the CPU time "
          f"during the run, the hypervisor took {steal:.0%} (steal)")
    if others > BUSY_SHARE or steal > BUSY_SHARE:
        print("warning: other processes or other guests of the hypervisor took CPU time; the scaling "
              "numbers are not reliable (two ranks wait for each other at every step): rerun on an idle "
              "machine")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
