"""Where a training step's time goes, layer by layer, in scratchdl and in PyTorch, in one run.

    python benchmarks/profile_layers.py W4
    python benchmarks/profile_layers.py W3 --steps 50

Both frameworks run the workload's training step (``workloads.make_step``) with a timer around every
leaf layer: scratchdl's ``forward`` and ``backward`` methods are wrapped; PyTorch's layers get forward
hooks and full backward hooks (its autograd calls them around each layer's backward). The two
networks list the same layers in the same order, so the table puts them side by side. Times are
milliseconds per step, averaged over ``--steps`` steps after ``--warmup`` steps; "rest" is the step
time no layer accounts for (loss, optimizer, autograd's bookkeeping).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workloads import WORKLOADS, scratchdl_step, torch_step  # noqa: E402


def _leaves(model):
    """(name, layer) of every module without children, in registration (= forward) order."""
    return [(name, m) for name, m in model.named_modules() if not list(m.children())]


def profile_scratchdl(name: str, batch: int, steps: int, warmup: int):
    """(per-leaf [forward ms, backward ms], step ms) for scratchdl."""
    step = scratchdl_step(name, batch)
    leaves = _leaves(step.model)
    times = defaultdict(float)
    for index, (_, layer) in enumerate(leaves):
        for method in ("forward", "backward"):
            original = getattr(layer, method)

            def timed(*args, _original=original, _key=(index, method)):
                start = time.perf_counter()
                result = _original(*args)
                times[_key] += time.perf_counter() - start
                return result

            setattr(layer, method, timed)
    return _run(step, steps, warmup, times, leaves)


def profile_torch(name: str, batch: int, steps: int, warmup: int):
    """(per-leaf [forward ms, backward ms], step ms) for PyTorch, from module hooks."""
    step = torch_step(name, batch)
    leaves = _leaves(step.model)
    times, started = defaultdict(float), {}
    for index, (_, layer) in enumerate(leaves):
        def begin(key):
            def hook(*_):
                started[key] = time.perf_counter()
            return hook

        def end(key):
            def hook(*_):
                times[key] += time.perf_counter() - started.pop(key)
            return hook

        layer.register_forward_pre_hook(begin((index, "forward")))
        layer.register_forward_hook(end((index, "forward")))
        layer.register_full_backward_pre_hook(begin((index, "backward")))
        layer.register_full_backward_hook(end((index, "backward")))
    return _run(step, steps, warmup, times, leaves)


def _run(step, steps, warmup, times, leaves):
    for _ in range(warmup):
        step()
    times.clear()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    step_ms = (time.perf_counter() - start) / steps * 1e3
    per_leaf = [[times[(i, "forward")] / steps * 1e3, times[(i, "backward")] / steps * 1e3]
                for i in range(len(leaves))]
    rows = [(name, type(layer).__name__, ms) for (name, layer), ms in zip(leaves, per_leaf, strict=True)]
    return rows, step_ms


def format_profile(ours, ours_step, theirs, theirs_step) -> str:
    lines = ["| layer | scratchdl forward | backward | PyTorch forward | backward | ratio (fwd+bwd) |",
             "|---|---:|---:|---:|---:|---:|"]
    for (name, kind, (f, b)), (_, their_kind, (tf, tb)) in zip(ours, theirs, strict=True):
        if kind != their_kind:
            raise ValueError(f"the two networks' layers do not line up: {kind} vs {their_kind}")
        ratio = (tf + tb) / (f + b) if f + b > 0 else float("nan")
        lines.append(f"| {name} {kind} | {f:.2f} | {b:.2f} | {tf:.2f} | {tb:.2f} | {ratio:.2f} |")
    ours_rest = ours_step - sum(f + b for *_, (f, b) in ours)
    theirs_rest = theirs_step - sum(f + b for *_, (f, b) in theirs)
    lines.append(f"| rest | {ours_rest:.2f} | | {theirs_rest:.2f} | | |")
    lines.append(f"| **step** | **{ours_step:.2f}** | | **{theirs_step:.2f}** | | "
                 f"**{theirs_step / ours_step:.2f}** |")
    return "\n".join(lines)


def main(argv=None) -> str:
    import warnings

    import torch

    # the first layer's input needs no gradient, so its backward hook fires on its outputs only
    warnings.filterwarnings("ignore", message="Full backward hook is firing")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workload", choices=list(WORKLOADS))
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--batch", type=int, default=None, help="override the workload's batch size")
    args = parser.parse_args(argv)
    torch.set_num_threads(os.cpu_count())
    batch = args.batch or WORKLOADS[args.workload].batch
    ours, ours_step = profile_scratchdl(args.workload, batch, args.steps, args.warmup)
    theirs, theirs_step = profile_torch(args.workload, batch, args.steps, args.warmup)
    table = format_profile(ours, ours_step, theirs, theirs_step)
    print(f"{args.workload} {WORKLOADS[args.workload].description}, batch {batch}: ms per step "
          f"(ratio = PyTorch time / scratchdl time)\n")
    print(table)
    return table


if __name__ == "__main__":
    main()
