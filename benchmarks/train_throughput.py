"""Training throughput of scratchdl against PyTorch (CPU) on the workloads W1-W4, in one run.

    python benchmarks/train_throughput.py                      # all workloads, 7 repeats, memory too
    python benchmarks/train_throughput.py --workloads W3 W4 --repeats 11 --json out.json
    python benchmarks/train_throughput.py --no-memory

Method: both frameworks get the same synthetic float32 batch. Each step is forward + backward + SGD
update. Each framework runs in its own process (``StepServer``), so neither library's threads, BLAS
settings or heap affect the other's steps. After ``--warmup`` steps, the number of steps per repeat is
chosen so that one repeat takes about ``--min-time`` seconds; then repeats of scratchdl and PyTorch
alternate, one process timing while the other waits (so that a burst of load on the machine hits
both), each after ``--pause`` idle seconds (worker threads of the other process may still be spinning),
and each framework's samples/s is the median over its repeats. PyTorch runs with
``torch.set_num_threads(os.cpu_count())``; NumPy's BLAS keeps its own default thread count, reported
with the environment. ``--threads 1`` runs both on one core (scratchdl as a user would limit it:
``SCRATCHDL_NUM_THREADS`` and its BLAS's thread count), which separates the speed of the arithmetic
from how well each library spreads it over the cores. Every process imports NumPy before scratchdl,
as users write it (``--import-first scratchdl``: the other way round, in the scratchdl step server);
this module imports neither at module level, because each spawned step server imports it again.
Peak memory of a W4 step is measured by ``peak_memory.py`` in fresh processes.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from step_server import IMPORT_ORDERS, StepServer, process_cpu_seconds  # noqa: E402  (no NumPy in it)

WORKLOAD_NAMES = ("W1", "W2", "W3", "W4")                 # workloads.WORKLOADS, imported in main()

BLAS_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OPENBLAS_THREAD_TIMEOUT",
                  "OMP_NUM_THREADS",
                  "MKL_NUM_THREADS")


def cpu_model() -> str:
    """The CPU's model name as ``lscpu`` shows it (from /proc/cpuinfo), or the platform's guess."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_info() -> list[dict]:
    """The BLAS libraries loaded in this process (NumPy's OpenBLAS, ...) as threadpoolctl reports them."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        import numpy as np

        return [{"numpy_config": str(np.show_config(mode="dicts").get("Build Dependencies", {}))}]
    keys = ("internal_api", "version", "architecture", "num_threads", "threading_layer", "prefix")
    return [{k: info.get(k) for k in keys} for info in threadpool_info() if info["user_api"] == "blas"]


def environment() -> dict:
    """Everything needed to compare a table with another one: machine, versions, BLAS, load."""
    import numpy as np
    import torch

    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "blas": blas_info(),
        "env": {name: os.environ.get(name) for name in BLAS_VARIABLES},
        "loadavg_before": os.getloadavg(),
    }


def cpu_snapshot(servers: dict) -> tuple[float, float, float, float]:
    """(wall seconds, CPU seconds the whole machine was busy, CPU seconds this process and the step
    servers used, CPU seconds the hypervisor gave to other guests: "steal")."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    busy = sum(fields[:7]) - fields[3] - fields[4]  # user, nice, system, irq, softirq
    tick = os.sysconf("SC_CLK_TCK")
    own = process_cpu_seconds() + sum(server.ask("cpu") for server in servers.values())
    return time.perf_counter(), busy / tick, own, fields[7] / tick


def others_share(start, end) -> tuple[float, float]:
    """Fractions of the machine's CPU time that other processes used, and that the hypervisor took
    away (steal), between two ``cpu_snapshot``s."""
    wall, busy, own, steal = (b - a for a, b in zip(start, end, strict=True))
    capacity = wall * os.cpu_count()
    return max(0.0, (busy - own) / capacity), max(0.0, steal / capacity)


def measure(servers: dict, name: str, batch: int, repeats: int, warmup: int, min_time: float,
            pause: float = 0.2) -> dict:
    """Median samples/s of scratchdl and PyTorch on workload ``name``, repeats interleaved."""
    from workloads import FRAMEWORKS, WORKLOADS

    per_repeat = {fw: server.ask("prepare", name, batch, warmup, min_time) for fw, server in servers.items()}
    rates: dict[str, list[float]] = {fw: [] for fw in FRAMEWORKS}
    for _ in range(repeats):
        for fw, server in servers.items():
            time.sleep(pause)
            rates[fw].append(server.ask("repeat"))
    median = {fw: statistics.median(r) for fw, r in rates.items()}
    return {
        "workload": name,
        "description": WORKLOADS[name].description,
        "batch": batch,
        "steps_per_repeat": per_repeat,
        "samples_per_s": median,
        "all_samples_per_s": rates,
        "ratio": median["scratchdl"] / median["torch"],
        "target": WORKLOADS[name].target,
    }


def format_table(results: list[dict]) -> str:
    """A Markdown table: workload, batch, samples/s of each, ratio and whether the target is met."""
    lines = ["| workload | batch | scratchdl samples/s | PyTorch samples/s | ratio | target | met | spread |",
             "|---|---:|---:|---:|---:|---:|:-:|---:|"]
    for r in results:
        s = r["samples_per_s"]
        met = "yes" if r["ratio"] >= r["target"] else "no"
        lines.append(f"| {r['workload']} {r['description']} | {r['batch']} | {s['scratchdl']:,.0f} | "
                     f"{s['torch']:,.0f} | {r['ratio']:.2f} | >= {r['target']} | {met} | "
                     f"{spread(r['all_samples_per_s']['scratchdl']):.0%} / "
                     f"{spread(r['all_samples_per_s']['torch']):.0%} |")
    return "\n".join(lines)


def spread(rates: list[float]) -> float:
    """(fastest - slowest) / median of one framework's repeats: large when the machine was busy."""
    return (max(rates) - min(rates)) / statistics.median(rates)


def format_environment(env: dict) -> str:
    blas = "; ".join(
        ", ".join(f"{k}={v}" for k, v in info.items() if v is not None) for info in env["blas"]
    )
    variables = ", ".join(f"{k}={v}" for k, v in env["env"].items())
    load = " ".join(f"{x:.2f}" for x in env["loadavg_before"])
    after = env.get("loadavg_after")
    load += f" (after: {' '.join(f'{x:.2f}' for x in after)})" if after else ""
    return "\n".join([
        f"date: {env['date']}",
        f"cpu: {env['cpu']}, {env['cpu_count']} cores; load average {load}; other processes used "
        f"{env['others_cpu_share']:.0%} of the CPU time during the timing, and the hypervisor took "
        f"{env['steal_share']:.0%} (steal)",
        f"python {env['python']}, numpy {env['numpy']}, torch {env['torch']} "
        f"(torch threads {env['torch_threads']})",
        "cores per framework: " + (f"{env['threads']} (--threads)" if env.get("threads") else "all")
        + "; threads in the step servers: "
        + "; ".join(f"{fw}: {n}" for fw, n in env.get("threads_in_use", {}).items()),
        f"numpy BLAS: {blas}",
        "imports in the step servers: " + "; ".join(f"{fw}: {', '.join(order)}"
                                                    for fw, order in env.get("import_order", {}).items()),
        f"environment: {variables}",
    ])


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOAD_NAMES), choices=WORKLOAD_NAMES)
    parser.add_argument("--repeats", type=int, default=7, help="timed repeats per framework (median)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps before timing")
    parser.add_argument("--min-time", type=float, default=0.3, help="seconds one repeat should last")
    parser.add_argument("--pause", type=float, default=0.2,
                        help="idle seconds before each timed block (lets BLAS/OpenMP threads go to sleep)")
    parser.add_argument("--batch", type=int, default=None,
                        help="override every workload's batch size (smoke tests only)")
    parser.add_argument("--memory", action=argparse.BooleanOptionalAction, default=True,
                        help="also measure peak memory of a W4 step (fresh processes)")
    parser.add_argument("--memory-batch", type=int, default=100)
    parser.add_argument("--import-first", choices=list(IMPORT_ORDERS), default="numpy",
                        help="what the scratchdl step server imports first (users: numpy)")
    parser.add_argument("--threads", type=int, default=None,
                        help="cores each framework may use (default: all); 1 compares single-core speed")
    parser.add_argument("--json", type=Path, default=None, help="write all results to this file")
    args = parser.parse_args(argv)
    if args.threads is not None and args.threads < 1:
        parser.error(f"--threads must be at least 1, got {args.threads}")
    return args


def time_workloads(frameworks, args, import_first: str = "numpy", measure=measure) -> tuple[dict, list]:
    """Time ``args.workloads`` on one step server per framework (``measure`` times one workload on
    them); the environment, with the CPU share other processes took meanwhile, and the results."""
    import torch
    from workloads import WORKLOADS

    torch.set_num_threads(args.threads or os.cpu_count())
    env = environment()
    env["threads"] = args.threads
    servers = {fw: StepServer(fw, import_first, args.threads) for fw in frameworks}
    env["import_order"] = {fw: server.ask("order") for fw, server in servers.items()}
    env["threads_in_use"] = {fw: server.ask("threads") for fw, server in servers.items()}
    results, start = [], cpu_snapshot(servers)
    try:
        for name in args.workloads:
            batch = args.batch or WORKLOADS[name].batch
            results.append(measure(servers, name, batch, args.repeats, args.warmup, args.min_time,
                                   args.pause))
            print(f"{name}: done", file=sys.stderr, flush=True)
        end = cpu_snapshot(servers)
    finally:
        for server in servers.values():
            server.close()
    env["others_cpu_share"], env["steal_share"] = others_share(start, end)
    return env, results


def warn_if_busy(env: dict) -> None:
    """Say so when other processes or the hypervisor took more than 5% of the CPU during the timing."""
    if env["others_cpu_share"] > 0.05 or env["steal_share"] > 0.05:
        print("\nwarning: other processes or other guests of the hypervisor took CPU time; "
              "the numbers are not reliable")


def main(argv=None) -> dict:
    import numpy  # noqa: F401  first, as users write it (and before torch, which imports it too)
    import peak_memory
    from workloads import FRAMEWORKS

    args = parse_args(argv)
    env, results = time_workloads(FRAMEWORKS, args, args.import_first)
    memory = peak_memory.compare("W4", args.memory_batch) if args.memory else None
    env["loadavg_after"] = os.getloadavg()
    print(format_environment(env))
    print()
    print(format_table(results))
    warn_if_busy(env)
    if memory is not None:
        print()
        print(peak_memory.format_comparison(memory))
    report = {"environment": env, "results": results, "memory": memory}
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
