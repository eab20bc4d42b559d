"""Block work over the cores: blocks cover the batch, results come back in block order, and the
layers built on it give the same bits whatever the number of threads."""

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

from scratchdl import nn
from scratchdl.nn import blocks


def test_sample_blocks_cover_the_batch_in_order(monkeypatch):
    monkeypatch.setattr(blocks, "NUM_THREADS", 2)
    assert blocks.sample_blocks(10, 100, 350) == [(0, 2), (2, 5), (5, 7), (7, 10)]   # 4 blocks, even
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
    assert sorted(seen) == [(0, 12), (12, 25), (25, 37), (37, 50)]     # 4 even ranges of <= 16
    seen.clear()
    blocks.run_elementwise(lambda i0, i1: seen.append((i0, i1)), 10, 4)     # 40 bytes: one range here
    assert seen == [(0, 10)]
    seen.clear()
    gpu_like = object()                      # another array library (CuPy): one launch, whatever the size
    blocks.run_elementwise(lambda i0, i1: seen.append((i0, i1)), 50, 4, xp=gpu_like)
    assert seen == [(0, 50)]


@pytest.mark.parametrize("make", [
    lambda: nn.Conv2d(3, 4, 3, padding=1, rng=np.random.default_rng(0)),      # flat stride-1 path
    lambda: nn.Conv2d(3, 4, 3, stride=2, rng=np.random.default_rng(0)),        # im2col path
    lambda: nn.MaxPool2d(2),
    lambda: nn.AvgPool2d(3, 2, 1),
    lambda: nn.ReLU(),
    lambda: nn.Linear(10, 7, rng=np.random.default_rng(0)),                    # (..., 10) products
])
def test_layers_are_reproducible_and_agree_across_thread_counts(make, monkeypatch):
    """The same bits on every run with the same threads (block results are summed in block order,
    not in the order threads finish); the same numbers up to rounding with one thread."""
    monkeypatch.setattr(blocks, "ELEMENTWISE_BLOCK_BYTES", 1024)   # ReLU's 10 kB in blocks too
    monkeypatch.setattr(blocks, "ELEMENTWISE_MIN_BYTES", 1024)
    monkeypatch.setattr(blocks, "PRODUCT_SPLIT_MACS", 1000)               # Linear's split by rows too
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


WAYS = {"blas": -float("inf"), "rows": float("inf"), "here": float("inf")}  # _blocks_ran_at


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matmul_gives_the_product_each_way_it_runs(monkeypatch, dtype, way):
    """On BLAS's threads (no blocks of ours lately), split by rows over ours, or on this thread."""
    monkeypatch.setattr(blocks, "NUM_THREADS", 2)
    monkeypatch.setattr(blocks, "BLAS_SINGLE_THREAD_MACS", 0)
    monkeypatch.setattr(blocks, "PRODUCT_SPLIT_MACS", 10**9 if way == "here" else 1)
    monkeypatch.setattr(blocks, "_blocks_ran_at", WAYS[way])
    split = []
    monkeypatch.setattr(blocks, "run_blocks", lambda work, ranges, xp=np: split.append(ranges) or
                        [work(*r) for r in ranges])
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((37, 29)).astype(dtype), rng.standard_normal((29, 11)).astype(dtype)
    start = rng.standard_normal((37, 11)).astype(dtype)
    tol = 1e-6 if dtype == np.float32 else 1e-14
    for left, right in ((a, b), (a[:, :20], b[:20]), (a.T, start)):     # strided, transposed views
        exact = left.astype(np.float64) @ right.astype(np.float64)
        scale = tol * np.abs(exact).max()
        np.testing.assert_allclose(blocks.matmul(left, right), exact, rtol=0, atol=scale)
    out = start.copy()
    assert blocks.matmul(a, b, out=out, add=True) is out
    exact = start + a.astype(np.float64) @ b
    np.testing.assert_allclose(out, exact, rtol=0, atol=tol * np.abs(exact).max())
    assert (len(split) == 4) == (way == "rows")
    assert all(len(ranges) == 2 for ranges in split)


class _FakeBlas:
    """Stands for a BLAS library seen through threadpoolctl: records what our code set."""

    def __init__(self, count):
        self.count, self.seen = count, []

    def get(self):
        return self.count

    def set(self, count):
        self.count = count
        self.seen.append(count)


def _fake_blas(monkeypatch, count=4):
    fake = _FakeBlas(count)
    monkeypatch.setattr(blocks, "_blas_threads", blocks._BlasThreads())
    monkeypatch.setattr(blocks._blas_threads, "_libraries", [(fake.get, fake.set, "pthreads")])
    monkeypatch.setattr(blocks, "NUM_THREADS", 2)
    return fake


def test_with_blocks_of_ours_products_hold_blas_to_one_thread_and_restore_it(monkeypatch):
    fake = _fake_blas(monkeypatch)
    monkeypatch.setattr(blocks, "BLAS_SINGLE_THREAD_MACS", 0)     # these tiny products held too
    counts = []

    def work(n0, n1):
        counts.append(fake.count)
        blocks.matmul(np.ones((2, 2)), np.ones((2, 2)))          # nested: still one thread after it
        counts.append(fake.count)
        return n0

    blocks.run_blocks(work, [(0, 1), (1, 2), (2, 3)])            # a convolution's blocks ran just now
    assert counts == [1] * 6 and fake.count == 4 and fake.seen == [1, 4]
    fake.seen.clear()
    layer = nn.Linear(3, 2, rng=np.random.default_rng(0))
    layer.backward(layer(np.ones((4, 3), dtype=np.float32)))
    assert fake.count == 4 and fake.seen == [1, 4] * 3        # forward, dW, dx: each held, restored
    fake.count, fake.seen = 1, []
    blocks.matmul(np.ones((2, 2)), np.ones((2, 2)))
    assert fake.seen == []                                    # already one thread: nothing to set
    monkeypatch.setattr(blocks, "BLAS_SINGLE_THREAD_MACS", 1 << 18)
    fake.count = 4
    blocks.matmul(np.ones((32, 64)), np.ones((64, 64)))      # OpenBLAS runs it on this thread itself
    assert fake.seen == [] and fake.count == 4


def test_overlapping_holds_run_at_the_fewest_threads_and_restore_the_users_count(monkeypatch):
    """Two Python threads: one's product holds NUM_THREADS, the other's blocks hold one; whichever
    closes first, BLAS runs at the fewest held, and the user's count comes back at the end."""
    for first_out in ("product", "blocks"):
        fake = _fake_blas(monkeypatch, count=2)
        product, block = blocks._blas_threads.held(2), blocks._blas_threads.held(1)
        product.__enter__()
        block.__enter__()
        assert fake.count == 1
        (product if first_out == "product" else block).__exit__(None, None, None)
        assert fake.count == (1 if first_out == "product" else 2)
        (block if first_out == "product" else product).__exit__(None, None, None)
        assert fake.count == 2


def test_without_blocks_of_ours_products_run_on_blas_threads_and_elementwise_work_waits(monkeypatch):
    """An MLP: products on NUM_THREADS of BLAS's threads; right after one, while those may spin,
    elementwise work stays on the calling thread; once they sleep, it spreads again."""
    fake = _fake_blas(monkeypatch)
    monkeypatch.setattr(blocks, "BLAS_SINGLE_THREAD_MACS", 0)
    monkeypatch.setattr(blocks, "_blocks_ran_at", -float("inf"))
    monkeypatch.setattr(blocks, "ELEMENTWISE_MIN_BYTES", 0)
    ranges = []
    blocks.matmul(np.ones((8, 8)), np.ones((8, 8)))
    assert fake.seen == [2, 4] and fake.count == 4               # NUM_THREADS, then the user's count
    blocks.run_elementwise(lambda i0, i1: ranges.append((i0, i1)), 1 << 20, 8)
    assert ranges == [(0, 1 << 20)]                                # one range, on this thread
    monkeypatch.setattr(blocks, "_blas_spins_until", -float("inf"))
    ranges.clear()
    blocks.run_elementwise(lambda i0, i1: ranges.append((i0, i1)), 1 << 20, 8)
    assert len(ranges) == 8                                         # 1 MB blocks over the threads
    fake.seen.clear()
    blocks.matmul(np.ones((8, 8)), np.ones((8, 8)))               # elementwise work claims no cores
    assert fake.seen == [2, 4]
    blocks.run_blocks(lambda n0, n1: n0, [(0, 1), (1, 2)])          # a convolution's blocks do
    fake.seen.clear()
    blocks.matmul(np.ones((8, 8)), np.ones((8, 8)))
    assert fake.seen == [1, 4]


def test_the_blas_libraries_are_found_through_threadpoolctl():
    from threadpoolctl import threadpool_info

    loaded = [info for info in threadpool_info() if info["user_api"] == "blas"]
    libraries = blocks._blas_threads.libraries()
    assert len(libraries) == len(loaded) >= 1                  # NumPy's BLAS at least
    assert [get() for get, _, _ in libraries] == [info["num_threads"] for info in loaded]


SPIN_CHECK = """
    import time
    import numpy as np                     # first, as users write it
    import scratchdl
    from scratchdl import nn

    def cpu_while_asleep():
        start = time.process_time()
        time.sleep(0.2)
        return time.process_time() - start

    rng = np.random.default_rng(0)
    x = rng.random((256, 1024), dtype=np.float32)
    x @ rng.random((1024, 1024), dtype=np.float32)          # the user's own product, on BLAS's threads
    user = cpu_while_asleep()
    conv = nn.Conv2d(1, 4, 3, padding=1, rng=rng, dtype=np.float32)
    layer = nn.Linear(1024, 1024, rng=rng, dtype=np.float32)
    for _ in range(3):
        conv.backward(conv(x.reshape(256, 1, 32, 32)))        # blocks of ours, as in a network's step
        layer.backward(layer(x))
    print(user, cpu_while_asleep())
"""


def test_no_blas_thread_spins_after_our_products_beside_blocks_when_numpy_comes_first():
    """OpenBLAS's workers spin ~0.1 s after a product of theirs and take the cores from our block
    threads; in a network with blocks, scratchdl's products must not wake them, whatever was
    imported first."""
    src = str(Path(blocks.__file__).parents[2])
    env = {"PYTHONPATH": src, "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(SPIN_CHECK)], capture_output=True,
                          text=True, check=True, env=env, timeout=120)
    after_user, after_ours = map(float, done.stdout.split())
    if after_user < 0.005:
        pytest.skip(f"this BLAS does not spin after its products ({after_user:.3f} s CPU in 0.2 s)")
    assert after_ours < 0.003, (after_user, after_ours)   # measured: 0.010-0.024 s after the user's,
    #                                                       under 0.0001 s after ours (0.01-0.02 s before)


def test_block_threads_follow_the_variable_then_the_mpi_ranks_on_this_machine():
    cores = blocks.default_threads({})
    assert cores >= 1
    assert blocks.default_threads({"SCRATCHDL_NUM_THREADS": "3", "MPI_LOCALNRANKS": "2"}) == 3
    assert blocks.default_threads({"MPI_LOCALNRANKS": "2"}) == max(1, cores // 2)
    assert blocks.default_threads({"OMPI_COMM_WORLD_LOCAL_SIZE": str(cores * 4)}) == 1
    assert blocks.default_threads({"SCRATCHDL_NUM_THREADS": "zero"}) == cores


@pytest.mark.parametrize("size", [7, (1 << 14) + 3, 3 << 20])
def test_add_scaled_adds_in_place_over_every_element(size, monkeypatch):
    monkeypatch.setattr(blocks, "NUM_THREADS", 2)
    rng = np.random.default_rng(size)
    y, x = rng.standard_normal(size).astype(np.float32), rng.standard_normal(size).astype(np.float32)
    expected = y - np.float32(0.1) * x
    target = y
    blocks.add_scaled_(y, -0.1, x)
    assert y is target
    np.testing.assert_array_equal(y, expected)      # the same float32 arithmetic, block by block


def test_a_forked_child_runs_blocks_on_a_pool_of_its_own(monkeypatch):
    """multiprocessing's fork start method (Linux's default before Python 3.14) copies the process
    without its threads: blocks handed to the parent's pool would wait forever in the child."""
    import multiprocessing

    monkeypatch.setattr(blocks, "NUM_THREADS", 2)
    spans = [(0, 1), (1, 3), (3, 4), (4, 9)]
    assert blocks.run_blocks(lambda n0, n1: n0 * 10 + n1, spans) == [1, 13, 34, 49]  # the pool exists
    with multiprocessing.get_context("fork").Pool(1) as pool:
        result = pool.apply_async(blocks.run_blocks, (_span_code, spans))
        assert result.get(timeout=30) == [1, 13, 34, 49]


def _span_code(n0, n1):
    return n0 * 10 + n1
