"""A training step through ``scratchdl.autograd`` against the explicit layers and PyTorch, in one run.

    python benchmarks/autograd_step.py                        # W1-W3, 7 repeats, peak memory too
    python benchmarks/autograd_step.py --workloads W1 --repeats 11 --json out.json
    python benchmarks/autograd_step.py --threads 1 --no-memory
    python benchmarks/autograd_step.py --cpu-time          # one thread, CPU seconds: for a busy machine

The autograd step (``workloads.autograd_step``) is the workload's network written with ``F.linear``
(W1, W2) or ``F.conv2d`` (W3), on the same weights as the explicit model, then ``loss.backward()`` and
the same ``SGD``. Bars (issue 20): autograd's step time at most 1.3x the explicit layers' on W2 and W3,
2x on W1 (the smallest network, where the graph's bookkeeping weighs most); peak step memory at most
1.5x.

Method: as ``train_throughput.py``. Each framework runs in its own process (``StepServer``): the
explicit layers (``scratchdl``), autograd and PyTorch; repeats alternate between the three, and each
one's samples/s is the median over ``--repeats``. Peak memory: each framework in a fresh process
builds its step at the measured batch and runs one step first (so that what stays between steps
exists: the gradients, as the explicit layers' gradient arrays and PyTorch's ``.grad`` do after a
step), then takes the resident set size as the baseline, resets the high-water mark and runs
``--memory-steps`` steps: ``VmHWM - baseline``, with glibc told to return every freed block of 128 KB
or more to the system (``MALLOC_ENV``), so that the resident set follows the live arrays. For the two
scratchdl roads, ``tracemalloc`` measures the same thing a second way: its peak during one more step,
less what it traced as kept before it.

``--cpu-time`` is for a machine others are using: the three roads in this one process, each on one
thread, timed by the CPU seconds the process spends (``time.process_time``), which other processes'
load changes far less than wall-clock time; the best of ``--repeats`` blocks of steps per road.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from train_throughput import format_environment, spread, time_workloads, warn_if_busy  # noqa: E402

ROADS = ("scratchdl", "autograd", "torch")
WORKLOAD_NAMES = ("W1", "W2", "W3")
BARS = {"W1": 2.0, "W2": 1.3, "W3": 1.3}     # autograd step time / explicit step time, at most
MEMORY_BAR = 1.5
MB = 1024 * 1024


def measure(servers: dict, name: str, batch: int, repeats: int, warmup: int, min_time: float,
            pause: float) -> dict:
    """Median samples/s of each road on workload ``name``, repeats interleaved."""
    from workloads import WORKLOADS

    per_repeat = {fw: server.ask("prepare", name, batch, warmup, min_time) for fw, server in servers.items()}
    rates: dict[str, list[float]] = {fw: [] for fw in servers}
    for _ in range(repeats):
        for fw, server in servers.items():
            time.sleep(pause)
            rates[fw].append(server.ask("repeat"))
    median = {fw: statistics.median(r) for fw, r in rates.items()}
    return {"workload": name, "description": WORKLOADS[name].description, "batch": batch,
            "steps_per_repeat": per_repeat, "samples_per_s": median, "all_samples_per_s": rates,
            "autograd_over_explicit": median["scratchdl"] / median["autograd"],
            "autograd_over_torch": median["torch"] / median["autograd"], "bar": BARS[name]}


# glibc's malloc gives every block of this size or more back to the system when it is freed (a fixed
# threshold, not the one it raises as programs free large blocks), so the resident set follows the arrays
# alive: memory kept between steps (weights, gradients) is in the baseline, a step's own memory is not.
MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": str(128 * 1024), "MALLOC_TRIM_THRESHOLD_": str(128 * 1024)}


def cpu_time(names, batch_override, repeats: int, min_time: float) -> list[dict]:
    """CPU seconds per step of each road in this process, on one thread (best of ``repeats`` blocks)."""
    import threadpoolctl
    import torch
    from workloads import WORKLOADS, make_step

    from scratchdl.nn import blocks

    torch_threads, block_threads = torch.get_num_threads(), blocks.NUM_THREADS
    torch.set_num_threads(1)
    blocks.NUM_THREADS = 1
    rows = []
    with threadpoolctl.threadpool_limits(1):
        for name in names:
            batch = batch_override or WORKLOADS[name].batch
            steps = {fw: make_step(fw, name, batch) for fw in ROADS}
            for step in steps.values():
                step()
            started = time.process_time()
            steps["scratchdl"]()
            count = max(1, round(min_time / max(time.process_time() - started, 1e-6)))
            best = {fw: float("inf") for fw in ROADS}
            for _ in range(repeats):
                for fw, step in steps.items():
                    started = time.process_time()
                    for _ in range(count):
                        step()
                    best[fw] = min(best[fw], (time.process_time() - started) / count)
            rows.append({"workload": name, "batch": batch, "cpu_seconds_per_step": best,
                         "autograd_over_explicit": best["autograd"] / best["scratchdl"],
                         "autograd_over_torch": best["autograd"] / best["torch"], "bar": BARS[name]})
    torch.set_num_threads(torch_threads)
    blocks.NUM_THREADS = block_threads
    return rows


def format_cpu_table(rows: list[dict]) -> str:
    lines = ["| workload | batch | explicit ms | autograd ms | PyTorch ms | autograd / explicit | bar "
             "| met | autograd / PyTorch |", "|---|---:|---:|---:|---:|---:|---:|:-:|---:|"]
    for r in rows:
        s = r["cpu_seconds_per_step"]
        met = "yes" if r["autograd_over_explicit"] <= r["bar"] else "no"
        lines.append(f"| {r['workload']} | {r['batch']} | {s['scratchdl'] * 1e3:.3f} | "
                     f"{s['autograd'] * 1e3:.3f} | {s['torch'] * 1e3:.3f} | "
                     f"{r['autograd_over_explicit']:.2f} | <= {r['bar']} | {met} | "
                     f"{r['autograd_over_torch']:.2f} |")
    return "\n".join(lines)


def memory_worker(framework: str, workload: str, batch: int, steps: int) -> dict:
    """In a fresh process: the peak resident-memory growth of ``steps`` steps over what stays between
    steps (after one full step: weights, gradients, optimizer state); for the scratchdl roads also the
    same growth as ``tracemalloc`` sees it (NumPy reports its arrays to it)."""
    import tracemalloc

    from peak_memory import _reset_peak, _status_kb
    from workloads import make_step

    if framework == "torch":
        import torch

        torch.set_num_threads(os.cpu_count())
    step = make_step(framework, workload, batch)
    traced = framework != "torch"
    if traced:
        tracemalloc.start()
    step()
    gc.collect()
    baseline_kb = _status_kb("VmRSS")
    _reset_peak()
    for _ in range(steps):
        step()
    peak_kb = _status_kb("VmHWM")
    result = {"framework": framework, "workload": workload, "batch": batch, "steps": steps,
              "peak_growth_mb": (peak_kb - baseline_kb) / 1024}
    if traced:
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        step()
        result["tracemalloc_peak_mb"] = (tracemalloc.get_traced_memory()[1] - kept) / MB
        tracemalloc.stop()
    return result


def memory(workload: str, batch: int, steps: int) -> dict:
    """Peak step memory of each road, each in a fresh process, and autograd / explicit."""
    found = {}
    for fw in ROADS:
        command = [sys.executable, str(Path(__file__).resolve()), "--memory-worker", fw,
                   "--workloads", workload, "--batch", str(batch), "--memory-steps", str(steps)]
        done = subprocess.run(command, capture_output=True, text=True, check=True,
                              env={**os.environ, **MALLOC_ENV})
        found[fw] = json.loads(done.stdout.strip().splitlines()[-1])
    rss = found["autograd"]["peak_growth_mb"] / max(found["scratchdl"]["peak_growth_mb"], 1e-9)
    traced = found["autograd"]["tracemalloc_peak_mb"] / max(found["scratchdl"]["tracemalloc_peak_mb"], 1e-9)
    # a step of less than a megabyte stays in memory the allocator already holds: tracemalloc then decides
    by = "rss" if found["scratchdl"]["peak_growth_mb"] >= 1.0 else "tracemalloc"
    return {"workload": workload, "batch": batch, "results": found, "rss_autograd_over_explicit": rss,
            "tracemalloc_autograd_over_explicit": traced, "measured_by": by,
            "autograd_over_explicit": rss if by == "rss" else traced, "bar": MEMORY_BAR}


def format_table(results: list[dict]) -> str:
    lines = ["| workload | batch | explicit samples/s | autograd samples/s | PyTorch samples/s "
             "| autograd / explicit (step time) | bar | met | autograd / PyTorch "
             "| spread (explicit / autograd / PyTorch) |",
             "|---|---:|---:|---:|---:|---:|---:|:-:|---:|---:|"]
    for r in results:
        s, spreads = r["samples_per_s"], [spread(r["all_samples_per_s"][fw]) for fw in ROADS]
        met = "yes" if r["autograd_over_explicit"] <= r["bar"] else "no"
        lines.append(f"| {r['workload']} {r['description']} | {r['batch']} | {s['scratchdl']:,.0f} | "
                     f"{s['autograd']:,.0f} | {s['torch']:,.0f} | {r['autograd_over_explicit']:.2f} | "
                     f"<= {r['bar']} | {met} | {r['autograd_over_torch']:.2f} | "
                     f"{' / '.join(f'{x:.0%}' for x in spreads)} |")
    return "\n".join(lines)


def format_memory(rows: list[dict]) -> str:
    lines = ["| workload | batch | explicit MB | autograd MB | PyTorch MB "
             "| tracemalloc: explicit / autograd MB | autograd / explicit | bar | met |",
             "|---|---:|---:|---:|---:|---:|---:|---:|:-:|"]
    for m in rows:
        r = m["results"]
        met = "yes" if m["autograd_over_explicit"] <= m["bar"] else "no"
        lines.append(f"| {m['workload']} | {m['batch']} | {r['scratchdl']['peak_growth_mb']:.1f} | "
                     f"{r['autograd']['peak_growth_mb']:.1f} | {r['torch']['peak_growth_mb']:.1f} | "
                     f"{r['scratchdl']['tracemalloc_peak_mb']:.2f} / "
                     f"{r['autograd']['tracemalloc_peak_mb']:.2f} | "
                     f"{m['autograd_over_explicit']:.2f} ({m['measured_by']}) | <= {m['bar']} | {met} |")
    return "\n".join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workloads", nargs="+", default=list(WORKLOAD_NAMES), choices=WORKLOAD_NAMES)
    parser.add_argument("--repeats", type=int, default=7, help="timed repeats per road (median)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps before timing")
    parser.add_argument("--min-time", type=float, default=0.3, help="seconds one repeat should last")
    parser.add_argument("--pause", type=float, default=0.2, help="idle seconds before each timed block")
    parser.add_argument("--batch", type=int, default=None,
                        help="override every workload's batch (smoke tests)")
    parser.add_argument("--threads", type=int, default=None, help="cores each road may use (default: all)")
    parser.add_argument("--memory", action=argparse.BooleanOptionalAction, default=True,
                        help="also measure peak step memory (fresh processes)")
    parser.add_argument("--memory-steps", type=int, default=3)
    parser.add_argument("--memory-worker", choices=ROADS, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--cpu-time", action="store_true",
                        help="one thread, CPU seconds per step, the roads in this process (busy machines)")
    parser.add_argument("--json", type=Path, default=None, help="write all results to this file")
    args = parser.parse_args(argv)
    if args.threads is not None and args.threads < 1:
        parser.error(f"--threads must be at least 1, got {args.threads}")
    return args


def main(argv=None) -> dict | None:
    args = parse_args(argv)
    if args.memory_worker is not None:
        print(json.dumps(memory_worker(args.memory_worker, args.workloads[0], args.batch, args.memory_steps)))
        return None
    if args.cpu_time:
        rows = cpu_time(args.workloads, args.batch, args.repeats, args.min_time)
        print(f"CPU seconds per step, one thread, this process; load average {os.getloadavg()[0]:.2f}")
        print(format_cpu_table(rows))
        report = {"cpu_time": rows, "loadavg": os.getloadavg()}
        if args.json is not None:
            args.json.write_text(json.dumps(report, indent=2))
        return report
    import numpy  # noqa: F401  first, as users write it
    from workloads import WORKLOADS

    env, results = time_workloads(ROADS, args, measure=measure)
    memories = [memory(name, args.batch or WORKLOADS[name].batch, args.memory_steps)
                for name in args.workloads] if args.memory else []
    env["loadavg_after"] = os.getloadavg()
    print(format_environment(env))
    print()
    print(format_table(results))
    if memories:
        print()
        print(format_memory(memories))
    warn_if_busy(env)
    report = {"environment": env, "results": results, "memory": memories}
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
