"""What bounds W2 and W4: their matrix products on NumPy's BLAS against PyTorch's, and W4's conv
layers against the least work an im2col convolution must do, in one run on this machine.

    python benchmarks/bounds.py
    python benchmarks/bounds.py --threads 1

- **Products.** Every product of a W2 training step (forward, dL/dW, dL/dx of the two hidden
  layers; the input needs no gradient), the same float32 matrices through ``numpy.matmul``
  (OpenBLAS in NumPy's wheels) and ``torch.matmul`` (MKL in PyTorch's), on the same number of
  threads, minimum of ``--repeats``. No library can make scratchdl's W2 step shorter than its
  products on NumPy's BLAS.
- **Convolution floor.** For each 3x3 stride-1 layer of W4 (batch 100), the time of the ``cpu``
  strategy's forward and backward against the same blocks, on the same threads, doing only what
  im2col cannot do without: building each block's patch matrix and running its products (forward
  W2 col; backward the patches of delta, dx = W_flip P and dW = P x^T). The difference is the
  passes around them (the flat layout in and out, bias, the per-block bookkeeping); PyTorch's
  oneDNN convolution of the same shape, forward and backward, for comparison. Median of
  ``--repeats``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

W2_SIZES = (784, 1024, 1024, 10)
W4_CONVS = ((16, 16, 28), (16, 32, 14), (32, 32, 14))        # (in, out channels, image side)


def timed(fn, repeats: int, pick=min) -> float:
    """Milliseconds of one call of ``fn`` (``pick`` of ``repeats`` calls, after one untimed)."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return pick(times) * 1e3


def w2_products(batch: int):
    """[(name, a, b)]: the float32 products of one W2 step, ``a @ b`` each (views where the
    step uses transposes)."""
    import numpy as np

    rng = np.random.default_rng(0)
    products = []
    for layer, (n_in, n_out) in enumerate(zip(W2_SIZES[:-1], W2_SIZES[1:], strict=True)):
        x = rng.standard_normal((batch, n_in), dtype=np.float32)
        w = rng.standard_normal((n_in, n_out), dtype=np.float32)
        delta = rng.standard_normal((batch, n_out), dtype=np.float32)
        products.append((f"layer {layer + 1} forward x W", x, w))
        products.append((f"layer {layer + 1} dL/dW = x^T delta", x.T, delta))
        if layer:
            products.append((f"layer {layer + 1} dL/dx = delta W^T", delta, w.T))
    return products


def compare_products(batch: int, repeats: int) -> list[dict]:
    import torch

    rows = []
    for name, a, b in w2_products(batch):
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)           # the same memory, transposes too
        rows.append({"product": name, "shape": f"({a.shape[0]}x{a.shape[1]}) @ ({b.shape[0]}x{b.shape[1]})",
                     "gflop": 2 * a.shape[0] * a.shape[1] * b.shape[1] / 1e9,
                     "numpy_ms": timed(lambda a=a, b=b: a @ b, repeats),
                     "torch_ms": timed(lambda ta=ta, tb=tb: ta @ tb, repeats)})
    return rows


def conv_floor(channels_in: int, channels_out: int, side: int, batch: int, repeats: int) -> dict:
    """One W4 conv layer: the ``cpu`` strategy's forward and backward, the floor of each, and
    PyTorch's (ms, median of ``repeats``)."""
    import numpy as np
    import torch

    from scratchdl.nn.blocks import run_blocks
    from scratchdl.nn.im2col import flat_layout, to_flat
    from scratchdl.nn.kernels import cpu

    rng = np.random.default_rng(0)
    c, o, kernel, pad = channels_in, channels_out, (3, 3), (1, 1)
    x = rng.standard_normal((batch, c, side, side), dtype=np.float32)
    weight = rng.standard_normal((o, c, 3, 3), dtype=np.float32)
    bias = np.zeros(o, dtype=np.float32)
    dout = rng.standard_normal((batch, o, side, side), dtype=np.float32)
    rows, width, lead, reach = flat_layout((side, side), kernel, pad)
    area = rows * width
    flat, delta = to_flat(x, rows, width, lead, tail=reach), to_flat(dout, rows, width, reach, lead)
    w2 = weight.reshape(o, -1)
    flipped = np.ascontiguousarray(weight[:, :, ::-1, ::-1].transpose(1, 0, 2, 3).reshape(c, -1))

    def forward_floor():
        def block(n0, n1):
            w2 @ cpu._flat_patch_matrix(flat, kernel, width, n0 * area, (n1 - n0) * area)

        run_blocks(block, cpu._conv_blocks(batch, w2.shape[1] * area * x.itemsize))

    def backward_floor():
        def block(n0, n1):
            span = (n1 - n0) * area
            x_block = flat[:, lead + n0 * area: lead + n0 * area + span]
            if o <= c:                           # the correlation: one patch matrix, two products
                patches = cpu._flat_patch_matrix(delta, kernel, width, lead + n0 * area, span)
                flipped @ patches
                patches @ x_block.T
            else:
                delta_block = delta[:, reach + n0 * area: reach + n0 * area + span]
                w2.T @ delta_block
                cpu._flat_patch_matrix(flat, kernel, width, n0 * area, span) @ delta_block.T

        rows_per_sample = (o if o <= c else c) * 9 * area
        run_blocks(block, cpu._conv_blocks(batch, rows_per_sample * dout.itemsize))

    _, cache = cpu.conv2d_forward(x, weight, bias, (1, 1), pad, True)
    tx = torch.from_numpy(x).requires_grad_()
    layer = torch.nn.Conv2d(c, o, 3, padding=1)
    tdout = torch.from_numpy(dout)

    graph = layer(tx)                    # one forward whose backward runs again and again

    median = statistics.median
    return {
        "layer": f"Conv2d {c}->{o} 3x3 on {side}x{side}",
        "forward_ms": timed(lambda: cpu.conv2d_forward(x, weight, bias, (1, 1), pad, True), repeats, median),
        "forward_floor_ms": timed(forward_floor, repeats, median),
        "backward_ms": timed(lambda: cpu.conv2d_backward(dout, cache, weight, True, (1, 1), pad, True),
                             repeats, median),
        "backward_floor_ms": timed(backward_floor, repeats, median),
        "torch_forward_ms": timed(lambda: layer(tx), repeats, median),
        "torch_backward_ms": timed(lambda: graph.backward(tdout, retain_graph=True), repeats, median),
    }


def format_report(products: list[dict], convs: list[dict], threads: int) -> str:
    cores = f"{threads} thread{'s' if threads > 1 else ''}"
    lines = [f"W2's products ({cores}, ms, minimum):", "",
             "| product | shape | NumPy (OpenBLAS) | PyTorch (MKL) | NumPy GFLOP/s | PyTorch GFLOP/s |",
             "|---|---|---:|---:|---:|---:|"]
    for r in products:
        lines.append(f"| {r['product']} | {r['shape']} | {r['numpy_ms']:.2f} | {r['torch_ms']:.2f} | "
                     f"{r['gflop'] / r['numpy_ms'] * 1e3:.0f} | {r['gflop'] / r['torch_ms'] * 1e3:.0f} |")
    numpy_total, torch_total = (sum(r[k] for r in products) for k in ("numpy_ms", "torch_ms"))
    lines += [f"| **all** | | **{numpy_total:.2f}** | **{torch_total:.2f}** | | |", "",
              f"W4's 3x3 conv layers against the im2col floor ({cores}, ms, median):", "",
              "| layer | forward | its floor | backward | its floor | PyTorch forward | PyTorch backward |",
              "|---|---:|---:|---:|---:|---:|---:|"]
    keys = ("forward_ms", "forward_floor_ms", "backward_ms", "backward_floor_ms", "torch_forward_ms",
            "torch_backward_ms")
    for r in convs:
        lines.append(f"| {r['layer']} | " + " | ".join(f"{r[k]:.2f}" for k in keys) + " |")
    totals = [sum(r[k] for r in convs) for k in keys]
    lines.append("| **all** | " + " | ".join(f"**{t:.2f}**" for t in totals) + " |")
    return "\n".join(lines)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=None, help="cores for both (default: all)")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--batch", type=int, default=None, help="override the batch sizes (smoke tests)")
    args = parser.parse_args(argv)
    if args.threads is not None and args.threads < 1:
        parser.error(f"--threads must be at least 1, got {args.threads}")
    threads = args.threads or os.cpu_count()
    import torch
    from threadpoolctl import threadpool_limits

    from scratchdl.nn import blocks

    own_threads, own_torch_threads = blocks.NUM_THREADS, torch.get_num_threads()
    blocks.NUM_THREADS = threads
    torch.set_num_threads(threads)
    try:
        with threadpool_limits(threads, user_api="blas"):
            products = compare_products(args.batch or 256, args.repeats)
            convs = [conv_floor(c, o, side, args.batch or 100, args.repeats) for c, o, side in W4_CONVS]
    finally:
        blocks.NUM_THREADS = own_threads
        torch.set_num_threads(own_torch_threads)
    print(format_report(products, convs, threads))
    return {"products": products, "convs": convs, "threads": threads}


if __name__ == "__main__":
    main()
