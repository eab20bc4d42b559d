"""Peak memory of one training step, scratchdl against PyTorch, each in a fresh process.

    python benchmarks/peak_memory.py                  # W4 at batch 100, both frameworks
    python benchmarks/peak_memory.py --workload W3 --batch 100

Method (Linux): a worker process builds the model, the optimizer and the batch, then runs
``--warmup`` steps at a tiny batch (2) of the same model so that lazily loaded code pages, oneDNN
primitives and BLAS buffers are in place. It then frees what it can (``gc.collect()``), reads its
resident set size (``VmRSS``) as the baseline, resets the kernel's high-water mark (writing 5 to
``/proc/self/clear_refs``), runs ``--steps`` steps at the measured batch, and reads the high-water mark
``VmHWM``. Peak step memory = ``VmHWM - baseline``: activations, the caches kept for backward,
gradients and temporaries, whichever framework allocates them. For scratchdl the worker also reports
``tracemalloc``'s peak during one more step (NumPy reports its array allocations to it), a check that
does not depend on the allocator returning memory to the system.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workloads import FRAMEWORKS, make_step  # noqa: E402

MB = 1024 * 1024


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def worker(framework: str, workload: str, batch: int, steps: int = 3, warmup: int = 2) -> dict:
    """Run in a fresh process: the peak resident-memory growth of ``steps`` training steps."""
    import os

    if framework == "torch":
        import torch

        torch.set_num_threads(os.cpu_count())
    warm = make_step(framework, workload, 2)
    for _ in range(warmup):
        warm()
    del warm
    step = make_step(framework, workload, batch)
    gc.collect()
    baseline_kb = _status_kb("VmRSS")
    _reset_peak()
    for _ in range(steps):
        step()
    peak_kb = _status_kb("VmHWM")
    result = {"framework": framework, "workload": workload, "batch": batch, "steps": steps,
              "baseline_mb": baseline_kb / 1024, "peak_growth_mb": (peak_kb - baseline_kb) / 1024}
    if framework == "scratchdl":
        import tracemalloc

        tracemalloc.start()
        step()
        result["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / MB
        tracemalloc.stop()
    return result


def run_worker(framework: str, workload: str, batch: int) -> dict:
    """``worker`` in a fresh Python process (so that neither framework sees the other's memory)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", framework,
               "--workload", workload, "--batch", str(batch)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare(workload: str = "W4", batch: int = 100) -> dict:
    """Peak step memory of both frameworks and the ratio scratchdl / PyTorch (target <= 1.5, issue 11)."""
    results = {fw: run_worker(fw, workload, batch) for fw in FRAMEWORKS}
    ratio = results["scratchdl"]["peak_growth_mb"] / max(results["torch"]["peak_growth_mb"], 1e-9)
    return {"workload": workload, "batch": batch, "results": results, "ratio": ratio, "target": 1.5}


def format_comparison(memory: dict) -> str:
    s, t = memory["results"]["scratchdl"], memory["results"]["torch"]
    check = f"; tracemalloc peak {s['tracemalloc_peak_mb']:.1f} MB" if "tracemalloc_peak_mb" in s else ""
    met = "yes" if memory["ratio"] <= memory["target"] else "no"
    return (f"peak memory of a {memory['workload']} step at batch {memory['batch']} (RSS growth over "
            f"baseline): scratchdl {s['peak_growth_mb']:.1f} MB{check}, PyTorch {t['peak_growth_mb']:.1f} MB,"
            f" ratio {memory['ratio']:.2f} (target <= {memory['target']:g}: {met})")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", choices=FRAMEWORKS, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--workload", default="W4")
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args(argv)
    if args.worker is not None:
        print(json.dumps(worker(args.worker, args.workload, args.batch)))
        return
    memory = compare(args.workload, args.batch)
    print(format_comparison(memory))
    print(json.dumps(memory, indent=2))


if __name__ == "__main__":
    main()
