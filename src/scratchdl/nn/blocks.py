"""Work over blocks of samples, spread over the CPU cores.

NumPy's copies and elementwise operations use one core; only its BLAS matrix products use more.
The convolution and pooling layers therefore cut the batch into blocks of samples (small enough
to stay in cache) and hand the blocks to a pool of threads (NumPy releases the GIL inside its
loops and BLAS calls), with BLAS held to one thread meanwhile so that the threads do not fight
over the cores. Results come back in block order, so sums over blocks are the same, bit for bit,
whatever the number of threads. ``run_elementwise`` does the same for elementwise layers (ReLU)
over ranges of the flattened arrays. Arrays of other libraries (CuPy) run the blocks in turn.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

# Threads for block work: the cores this process may run on. Set to 1 to run blocks in turn.
NUM_THREADS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)

# Elementwise work (``run_elementwise``) on arrays of fewer bytes than ELEMENTWISE_MIN_BYTES runs on
# the calling thread: handing blocks to the pool costs tens of microseconds, and right after a
# multi-threaded matrix product (an MLP's) OpenBLAS's own threads still hold the cores. Larger arrays
# (a convolution's activations) go in blocks of ELEMENTWISE_BLOCK_BYTES.
ELEMENTWISE_MIN_BYTES = 2 << 20
ELEMENTWISE_BLOCK_BYTES = 1 << 20

_lock = threading.Lock()
_inside = threading.local()   # .blocks: this thread is running a block (nested calls run in turn)
_executor: ThreadPoolExecutor | None = None
_executor_size = 0
_blas = None          # threadpoolctl controller, or False when threadpoolctl is missing


def sample_blocks(n: int, bytes_per_sample: int, budget: int) -> list[tuple[int, int]]:
    """``[(n0, n1), ...]`` covering ``range(n)``, each block at most ``budget`` bytes (one sample at
    least), and at least ``NUM_THREADS`` blocks when there are that many samples."""
    size = max(1, min(n, budget // max(bytes_per_sample, 1)))
    size = min(size, max(1, -(-n // max(NUM_THREADS, 1))))
    return [(n0, min(n0 + size, n)) for n0 in range(0, n, size)]


def run_blocks(work, blocks, xp=np) -> list:
    """``[work(n0, n1) for (n0, n1) in blocks]``, on up to ``NUM_THREADS`` threads for NumPy arrays.

    The calling thread works too: it and ``NUM_THREADS - 1`` pool threads each take the next block
    not yet taken until none is left (so a slow block does not hold up a fixed share), and only
    the pool threads need waking, which costs tens of microseconds a call.
    """
    threads = min(NUM_THREADS, len(blocks)) if xp is np else 1
    if threads <= 1 or getattr(_inside, "blocks", False):
        return [work(n0, n1) for n0, n1 in blocks]
    results = [None] * len(blocks)
    taken = itertools.count()          # next() on it is atomic under the GIL

    def drain():
        _inside.blocks = True
        try:
            while (index := next(taken)) < len(blocks):
                results[index] = work(*blocks[index])
        finally:
            _inside.blocks = False

    with _single_threaded_blas():
        helpers = [_pool(threads - 1).submit(drain) for _ in range(threads - 1)]
        try:
            drain()
        finally:
            for helper in helpers:
                helper.result()            # waits, and raises what the helper raised
    return results


def run_elementwise(work, size: int, itemsize: int, xp=np) -> None:
    """``work(i0, i1)`` over ranges covering ``range(size)`` (positions in flat arrays of ``itemsize``
    bytes per element): one range on this thread for small arrays, else blocks of
    ``ELEMENTWISE_BLOCK_BYTES`` spread over the cores."""
    if size * itemsize < ELEMENTWISE_MIN_BYTES:
        work(0, size)
    else:
        run_blocks(work, sample_blocks(size, itemsize, ELEMENTWISE_BLOCK_BYTES), xp)


def _pool(threads: int) -> ThreadPoolExecutor:
    global _executor, _executor_size
    with _lock:
        if _executor is None or _executor_size < threads:
            if _executor is not None:
                _executor.shutdown(wait=False)
            _executor = ThreadPoolExecutor(threads, thread_name_prefix="scratchdl-block")
            _executor_size = threads
        return _executor


def _single_threaded_blas():
    global _blas
    if _blas is None:
        try:
            from threadpoolctl import ThreadpoolController

            _blas = ThreadpoolController()
        except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
            _blas = False
    if not _blas:
        return contextlib.nullcontext()
    return _blas.limit(limits=1, user_api="blas")
