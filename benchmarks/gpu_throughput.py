"""Training throughput and peak memory of scratchdl on CuPy against PyTorch CUDA, W1-W4, in one run.

    python benchmarks/gpu_throughput.py                          # W1-W4 at batch 100 and 1024
    python benchmarks/gpu_throughput.py --workloads W3 W4 --batches 1024 --repeats 11 --json out.json
    python benchmarks/gpu_throughput.py --tf32                     # TF32 matrix products in both
    python benchmarks/gpu_throughput.py --profile W3 W4 --batches 1024   # scratchdl's time per layer
    python benchmarks/gpu_throughput.py --device cpu --batches 8   # the harness on the CPU, as a smoke test

Method (see benchmarks/README.md, "GPU"): the workloads of ``workloads.py`` (same weights seed, same
synthetic float32 batch), one step = zero_grad, forward, loss, backward, SGD(lr=0.01) update, the
model and the batch on the GPU before timing, no gradient for the images. TF32 is off in both
unless ``--tf32``: ``CUPY_TF32=0`` (set before CuPy is imported) and PyTorch's
``torch.backends.cuda.matmul.allow_tf32`` / ``torch.backends.cudnn.allow_tf32`` False. After
``--warmup`` steps (CuPy compiles its kernels, cuDNN picks its algorithms), the steps per repeat
are chosen so that a repeat lasts about ``--min-time`` seconds; repeats of the two frameworks
alternate, each timed between two device synchronisations; samples/s is the median over
``--repeats``. Peak memory of a step: PyTorch's ``torch.cuda.max_memory_allocated`` after
``reset_peak_memory_stats``; scratchdl's, the bytes CuPy's memory pool holds after one step taken
from a pool emptied of unused blocks (a pool keeps what it once needed, so this is the step's
peak, rounded up to the pool's block sizes). Both include the model, its gradients and the batch.

Without a usable GPU (no CuPy, no device, or PyTorch without CUDA) the script prints one line
saying which and exits with status 2.

``--profile`` instead times each layer of scratchdl's step alone, between two synchronisations
(mean of ``--repeats`` steps after the warm-up): launch gaps that a pipelined step hides are
counted, so the sum exceeds the step, but the layer that stands out is the one to work on.
"""

from __future__ import annotations

# isort: off
import numpy as np  # first, as users write it (before CuPy, PyTorch and the library)
# isort: on

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

# The bars of issue 14: scratchdl / PyTorch samples per second, by (workload, batch).
TARGETS = {("W2", 100): 0.5, ("W3", 100): 0.5, ("W4", 100): 0.5,
           ("W2", 1024): 0.8, ("W3", 1024): 0.5, ("W4", 1024): 0.5}
MEMORY_TARGET = ("W4", 1024, 3.0)          # scratchdl's peak at most 3x PyTorch's


def gpu_unavailable() -> str | None:
    """Why this run cannot use a GPU, or None when CuPy and PyTorch both can."""
    try:
        import cupy
    except ImportError:
        return "CuPy is not installed (pip install cupy-cuda12x, or the wheel for your CUDA version)"
    try:
        if cupy.cuda.runtime.getDeviceCount() == 0:
            return "CuPy sees no GPU"
    except Exception as error:  # CUDA driver or runtime missing
        return f"CuPy cannot use a GPU: {type(error).__name__}: {error}"
    try:
        import torch
    except ImportError:
        return "PyTorch is not installed"
    if not torch.cuda.is_available():
        return "PyTorch has no CUDA device (a CPU-only build of torch?)"
    return None


# ---- the two frameworks on one device ------------------------------------------------------------
class Runner:
    """Builds steps of one framework on ``device``, and synchronises / measures memory there."""

    def __init__(self, framework: str, device: str):
        self.framework, self.device = framework, device

    def step(self, name: str, batch: int):
        import workloads

        if self.framework == "torch":
            return self._torch_step(name, batch)
        return self._scratchdl_step(workloads, name, batch)

    def _scratchdl_step(self, workloads, name, batch):
        return workloads.scratchdl_step(name, batch, device=self.device)

    def _torch_step(self, name, batch):
        import workloads

        return workloads.torch_step(name, batch, device="cuda" if self.device == "cuda" else "cpu")

    def synchronize(self) -> None:
        if self.device != "cuda":
            return
        if self.framework == "torch":
            import torch

            torch.cuda.synchronize()
        else:
            import cupy

            cupy.cuda.Device().synchronize()

    def peak_bytes(self, step) -> int | None:
        """Peak device memory of one step (None on the CPU)."""
        if self.device != "cuda":
            return None
        self.synchronize()
        if self.framework == "torch":
            import torch

            torch.cuda.reset_peak_memory_stats()
            step()
            torch.cuda.synchronize()
            return int(torch.cuda.max_memory_allocated())
        import cupy

        pool = cupy.get_default_memory_pool()
        pool.free_all_blocks()
        step()
        cupy.cuda.Device().synchronize()
        return int(pool.total_bytes())


def profile(name: str, batch: int, args) -> str:
    """scratchdl's forward and backward milliseconds per leaf layer, each between two syncs."""
    runner = Runner("scratchdl", args.device)
    step = runner.step(name, batch)
    leaves = [(n, m) for n, m in step.model.named_modules() if not list(m.children())]
    totals = {}
    for index, (_, layer) in enumerate(leaves):
        for method in ("forward", "backward"):
            original = getattr(layer, method)

            def timed(*a, _original=original, _key=(index, method)):
                runner.synchronize()
                start = time.perf_counter()
                result = _original(*a)
                runner.synchronize()
                totals[_key] = totals.get(_key, 0.0) + time.perf_counter() - start
                return result

            setattr(layer, method, timed)
    time_repeat(runner, step, args.warmup)
    totals.clear()
    time_repeat(runner, step, args.repeats)
    ms = {key: 1e3 * value / args.repeats for key, value in totals.items()}
    lines = [f"{name} batch {batch}: scratchdl layers, ms per step (each alone between two syncs)"]
    for index, (_, layer) in enumerate(leaves):
        lines.append(f"  {index:2d} {layer.name():<44} fwd {ms.get((index, 'forward'), 0):8.3f}"
                     f"  bwd {ms.get((index, 'backward'), 0):8.3f}")
    return "\n".join(lines)


def time_repeat(runner: Runner, step, steps: int) -> float:
    """Seconds for ``steps`` steps, between two synchronisations."""
    runner.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    runner.synchronize()
    return time.perf_counter() - start


def measure(name: str, batch: int, args) -> dict:
    runners = {fw: Runner(fw, args.device) for fw in ("scratchdl", "torch")}
    steps = {fw: r.step(name, batch) for fw, r in runners.items()}
    counts = {}
    for fw, runner in runners.items():
        time_repeat(runner, steps[fw], args.warmup)
        one = max(time_repeat(runner, steps[fw], 1), 1e-6)
        counts[fw] = max(1, int(args.min_time / one))
    seconds = {fw: [] for fw in runners}
    for _ in range(args.repeats):
        for fw, runner in runners.items():          # alternate, so drifts hit both
            seconds[fw].append(time_repeat(runner, steps[fw], counts[fw]))
    rates = {fw: batch * counts[fw] / statistics.median(s) for fw, s in seconds.items()}
    peaks = {fw: r.peak_bytes(steps[fw]) for fw, r in runners.items()} if args.memory else {}
    return {"workload": name, "batch": batch, "steps_per_repeat": counts,
            "samples_per_s": rates, "ratio": rates["scratchdl"] / rates["torch"],
            "spread": {fw: (max(s) - min(s)) / statistics.median(s) for fw, s in seconds.items()},
            "target": TARGETS.get((name, batch)), "peak_bytes": peaks}


# ---- report --------------------------------------------------------------------------------------
def environment(args) -> dict:
    info = {"date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(), "numpy": np.__version__, "device": args.device,
            "tf32": args.tf32, "CUPY_TF32": os.environ.get("CUPY_TF32")}
    import torch

    info["torch"] = torch.__version__
    if args.device == "cuda":
        import cupy

        props = cupy.cuda.runtime.getDeviceProperties(0)
        name = props["name"]
        info.update(gpu=name.decode() if isinstance(name, bytes) else str(name), cupy=cupy.__version__,
                    cuda_runtime=cupy.cuda.runtime.runtimeGetVersion(),
                    torch_cuda=torch.version.cuda, cudnn=torch.backends.cudnn.version(),
                    torch_allow_tf32=torch.backends.cuda.matmul.allow_tf32)
    return info


def table(results, env) -> str:
    mib = 1 << 20
    lines = [f"scratchdl on {'CuPy' if env['device'] == 'cuda' else 'NumPy'} / PyTorch "
             f"({env.get('gpu', 'CPU')}; TF32 {'on' if env['tf32'] else 'off'} in both), samples/s, median",
             "",
             "| workload | batch | scratchdl | PyTorch | ratio | target | met | peak MiB scratchdl | "
             "peak MiB PyTorch |",
             "|---|---:|---:|---:|---:|---:|---|---:|---:|"]
    for r in results:
        rate, peak = r["samples_per_s"], r["peak_bytes"]
        target = r["target"]
        met = "" if target is None else ("yes" if r["ratio"] >= target else "NO")
        mem = [f"{peak[fw] / mib:.0f}" if peak.get(fw) is not None else "-" for fw in ("scratchdl", "torch")]
        lines.append(f"| {r['workload']} | {r['batch']} | {rate['scratchdl']:,.0f} | {rate['torch']:,.0f} | "
                     f"{r['ratio']:.2f}x | {'' if target is None else f'{target:.1f}x'} | {met} | "
                     f"{mem[0]} | {mem[1]} |")
    name, batch, bound = MEMORY_TARGET
    for r in results:
        peak = r["peak_bytes"]
        if (r["workload"], r["batch"]) == (name, batch) and peak.get("torch"):
            ratio = peak["scratchdl"] / peak["torch"]
            lines += ["", f"peak memory of a {name} step at batch {batch}: {ratio:.2f}x PyTorch's "
                          f"(target <= {bound:.0f}x: {'met' if ratio <= bound else 'NOT met'})"]
    return "\n".join(lines)


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workloads", nargs="+", default=["W1", "W2", "W3", "W4"],
                        choices=["W1", "W2", "W3", "W4"])
    parser.add_argument("--batches", nargs="+", type=int, default=[100, 1024])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--min-time", type=float, default=0.2, help="seconds per timed repeat (about)")
    parser.add_argument("--tf32", action="store_true", help="TF32 matrix products in both frameworks")
    parser.add_argument("--no-memory", dest="memory", action="store_false")
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda",
                        help="cpu: the same harness on NumPy and PyTorch CPU (to test the script)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--profile", nargs="+", metavar="W", choices=["W1", "W2", "W3", "W4"],
                        help="instead: scratchdl's time per layer on these workloads")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse(argv)
    if args.device == "cuda":
        os.environ["CUPY_TF32"] = "1" if args.tf32 else "0"     # read by CuPy when it is imported
        if reason := gpu_unavailable():
            print(f"gpu_throughput: no GPU to measure on: {reason}", file=sys.stderr)
            return 2
        import torch

        torch.backends.cuda.matmul.allow_tf32 = args.tf32
        torch.backends.cudnn.allow_tf32 = args.tf32
    env = environment(args)
    if args.profile:
        print("\n\n".join(profile(name, batch, args) for name in args.profile for batch in args.batches))
        return 0
    results = []
    for name in args.workloads:
        for batch in args.batches:
            results.append(measure(name, batch, args))
            print(f"{name} batch {batch}: {results[-1]['ratio']:.2f}x", file=sys.stderr, flush=True)
    print(table(results, env))
    if args.json:
        args.json.write_text(json.dumps({"environment": env, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
