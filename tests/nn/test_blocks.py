"""Block work over the cores: blocks cover the batch, results come back in block order, and the
layers built on it give the same bits whatever the number of threads."""

import threading

import numpy as np
import pytest

from scratchdl import nn
from scratchdl.nn import blocks


def test_sample_blocks_cover_the_batch_in_order(monkeypatch):
    monkeypatch.setattr(blocks, "NUM_THREADS", 2)
    assert blocks.sample_blocks(10, 100, 350) == [(0, 3), (3, 6), (6, 9), (9, 10)]
    assert blocks.sample_blocks(10, 100, 10**9) == [(0, 5), (5, 10)]       # one block per thread
    assert blocks.sample_blocks(3, 10**9, 1) == [(0, 1), (1, 2), (2, 3)]  # at least one sample
    assert blocks.sample_blocks(1, 100, 10**9) == [(0, 1)]


def test_run_blocks_returns_results_in_block_order_from_the_caller_and_pool_threads(monkeypatch):
    monkeypatch.setattr(blocks, "NUM_THREADS", 2)
    names = []
    started = threading.Barrier(2, timeout=5)

    def work(n0, n1):
        names.append(threading.current_thread().name)
        if n0 < 2:
            started.wait()          # the first two blocks wait for each other: both threads work
        return n0 * 10 + n1

    spans = [(0, 1), (1, 3), (3, 4), (4, 9)]
    assert blocks.run_blocks(work, spans) == [1, 13, 34, 49]
    assert threading.current_thread().name in names
    assert any(name.startswith("scratchdl-block") for name in names)
    monkeypatch.setattr(blocks, "NUM_THREADS", 1)
    names.clear()
    assert blocks.run_blocks(work=lambda n0, n1: n0 * 10 + n1, blocks=spans) == [1, 13, 34, 49]


def test_run_blocks_inside_a_block_runs_in_turn(monkeypatch):
    monkeypatch.setattr(blocks, "NUM_THREADS", 2)

    def outer(n0, n1):
        inner = blocks.run_blocks(lambda a, b: threading.current_thread().name, [(0, 1), (1, 2)])
        return len(set(inner)) == 1 and inner[0] == threading.current_thread().name

    assert blocks.run_blocks(outer, [(0, 1), (1, 2), (2, 3)]) == [True, True, True]


def test_errors_in_a_block_reach_the_caller(monkeypatch):
    monkeypatch.setattr(blocks, "NUM_THREADS", 2)

    def work(n0, n1):
        if n0 == 1:
            raise ValueError("block 1")
        return n0

    with pytest.raises(ValueError, match="block 1"):
        blocks.run_blocks(work, [(0, 1), (1, 2)])


def test_run_elementwise_covers_every_element_once(monkeypatch):
    monkeypatch.setattr(blocks, "NUM_THREADS", 2)
    monkeypatch.setattr(blocks, "ELEMENTWISE_BLOCK_BYTES", 64)
    monkeypatch.setattr(blocks, "ELEMENTWISE_MIN_BYTES", 128)
    seen = []
    blocks.run_elementwise(lambda i0, i1: seen.append((i0, i1)), 50, 4)     # 200 bytes: in blocks
    assert sorted(seen) == [(0, 16), (16, 32), (32, 48), (48, 50)]
    seen.clear()
    blocks.run_elementwise(lambda i0, i1: seen.append((i0, i1)), 10, 4)     # 40 bytes: one range here
    assert seen == [(0, 10)]


@pytest.mark.parametrize("make", [
    lambda: nn.Conv2d(3, 4, 3, padding=1, rng=np.random.default_rng(0)),      # flat stride-1 path
    lambda: nn.Conv2d(3, 4, 3, stride=2, rng=np.random.default_rng(0)),        # im2col path
    lambda: nn.MaxPool2d(2),
    lambda: nn.AvgPool2d(3, 2, 1),
    lambda: nn.ReLU(),
])
def test_layers_are_reproducible_and_agree_across_thread_counts(make, monkeypatch):
    """The same bits on every run with the same threads (block results are summed in block order,
    not in the order threads finish); the same numbers up to rounding with one thread."""
    monkeypatch.setattr(blocks, "ELEMENTWISE_BLOCK_BYTES", 1024)   # ReLU's 10 kB in blocks too
    monkeypatch.setattr(blocks, "ELEMENTWISE_MIN_BYTES", 1024)
    x = np.random.default_rng(1).standard_normal((9, 3, 10, 10)).astype(np.float32)
    dout = None
    results = []
    for threads in (2, 2, 1):
        monkeypatch.setattr(blocks, "NUM_THREADS", threads)
        layer = make()
        y = layer(x)
        if dout is None:
            dout = np.random.default_rng(2).standard_normal(y.shape).astype(np.float32)
        dx = layer.backward(dout)
        results.append([y, dx, *[p.grad for p in layer.parameters()]])
    for first, again, single in zip(*results, strict=True):
        np.testing.assert_array_equal(first, again)
        # float32 rounding of sums over other blocks: absolute error relative to the largest value
        np.testing.assert_allclose(first, single, rtol=1e-5, atol=1e-6 * float(np.abs(single).max()))
