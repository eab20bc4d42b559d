"""Work over blocks of samples, spread over the CPU cores.

NumPy's copies and elementwise operations use one core; only its BLAS matrix products use more.
The convolution and pooling layers therefore cut the batch into blocks of samples (small enough
to stay in cache) and hand the blocks to a pool of threads (NumPy releases the GIL inside its
loops and BLAS calls). Results come back in block order, so sums over blocks are the same, bit for
bit, whatever the number of threads. ``run_elementwise`` does the same for elementwise layers
(ReLU) over ranges of the flattened arrays, and ``matmul`` for the products of ``Linear``, over
ranges of rows. Arrays of other libraries (CuPy) run the blocks in turn.

**BLAS's threads.** Every matrix product of these layers runs with BLAS held to one thread
(``one_blas_thread``, set and restored at run time through threadpoolctl's handle on the loaded
BLAS, 2-4 microseconds), and all the parallelism is ours. OpenBLAS's own worker threads, once a
multi-threaded product has woken them, spin for about 0.1 s after it (``OPENBLAS_THREAD_TIMEOUT``,
read only when NumPy loads OpenBLAS, so a library imported after NumPy cannot change it): they
would hold the cores that the next layer's block threads need. With none of our products
multi-threaded, they are never woken by scratchdl, whatever the import order; the user's own NumPy
code between steps keeps BLAS's threads as the user set them.
"""

from __future__ import annotations

import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

THREADS_VAR = "SCRATCHDL_NUM_THREADS"
# MPI launchers' counts of the job's processes on this machine (MPICH/Hydra, Open MPI)
LOCAL_RANKS_VARS = ("MPI_LOCALNRANKS", "OMPI_COMM_WORLD_LOCAL_SIZE")


def default_threads(environ=os.environ) -> int:
    """Threads for block work: ``$SCRATCHDL_NUM_THREADS`` if set, else the cores this process may
    run on, shared out among the processes an MPI launcher started on this machine (two ranks on
    two cores take one each, rather than four threads fighting over two cores)."""
    if environ.get(THREADS_VAR, "").isdigit() and int(environ[THREADS_VAR]) > 0:
        return int(environ[THREADS_VAR])
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    for name in LOCAL_RANKS_VARS:
        if environ.get(name, "").isdigit() and int(environ[name]) > 0:
            return max(1, cores // int(environ[name]))
    return cores


# Set to 1 to run blocks in turn.
NUM_THREADS = default_threads()

# Elementwise work (``run_elementwise``) on arrays of fewer bytes than ELEMENTWISE_MIN_BYTES runs on
# the calling thread: handing blocks to the pool costs tens of microseconds, and right after a
# multi-threaded matrix product (an MLP's) OpenBLAS's own threads still hold the cores. Larger arrays
# (a convolution's activations) go in blocks of ELEMENTWISE_BLOCK_BYTES.
ELEMENTWISE_MIN_BYTES = 2 << 20
ELEMENTWISE_BLOCK_BYTES = 1 << 20

# ``matmul`` splits a product over the threads from this many multiply-adds on (below it, one
# thread: waking the pool costs tens of microseconds, a product of 2^24 multiply-adds ~0.5 ms).
PRODUCT_SPLIT_MACS = 1 << 24
# OpenBLAS runs products of fewer multiply-adds than 65536 * GEMM_MULTITHREAD_THRESHOLD (4) on the
# calling thread by itself and wakes no worker: those skip the thread-count context (~20 us a call,
# as much as a tiny MLP's whole product).
BLAS_SINGLE_THREAD_MACS = 1 << 18

_lock = threading.Lock()
_inside = threading.local()   # .blocks: this thread is running a block (nested calls run in turn)
_executor: ThreadPoolExecutor | None = None
_executor_size = 0


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

    with one_blas_thread():
        helpers = [_pool(threads - 1).submit(drain) for _ in range(threads - 1)]
        try:
            drain()
        finally:
            for helper in helpers:
                helper.result()            # waits, and raises what the helper raised
    return results


def run_elementwise(work, size: int, itemsize: int, xp=np) -> None:
    """``work(i0, i1)`` over ranges covering ``range(size)`` (positions in flat arrays of ``itemsize``
    bytes per element): one range on this thread for small arrays and for arrays of other libraries
    (CuPy: one kernel launch over the whole array), else blocks of ``ELEMENTWISE_BLOCK_BYTES``
    spread over the cores."""
    if xp is not np or size * itemsize < ELEMENTWISE_MIN_BYTES:
        work(0, size)
    else:
        run_blocks(work, sample_blocks(size, itemsize, ELEMENTWISE_BLOCK_BYTES), xp)


def matmul(a, b, out=None, add: bool = False, xp=np):
    """``a @ b`` for 2-D ``a`` (m, k) and ``b`` (k, n) with BLAS on one thread, into ``out`` (new
    when None; ``add``: ``out += a @ b``). Products of ``PRODUCT_SPLIT_MACS`` multiply-adds or more
    are split by rows of ``a`` over the threads, one range per thread (BLAS picks its kernels by
    the shape, so the last bits may change with the number of threads, as with any BLAS)."""
    if xp is not np:
        return _product(xp.matmul, a, b, out, add)
    m = a.shape[0]
    macs = m * a.shape[1] * b.shape[1]
    if macs < BLAS_SINGLE_THREAD_MACS:
        return _product(np.matmul, a, b, out, add)
    if macs < PRODUCT_SPLIT_MACS or m < 2:     # on this thread, few calls
        with _one_blas_thread:
            return _product(np.matmul, a, b, out, add)
    if out is None:
        out = np.empty((m, b.shape[1]), dtype=np.result_type(a, b))
        add = False

    def rows(r0, r1):
        if add:
            out[r0:r1] += a[r0:r1] @ b
        else:
            np.matmul(a[r0:r1], b, out=out[r0:r1])

    run_blocks(rows, sample_blocks(m, 1, m))
    return out


def _product(matmul_fn, a, b, out, add: bool):
    """``matmul_fn(a, b)``: returned when ``out`` is None, else written (or, ``add``, added) into it."""
    if out is None:
        return matmul_fn(a, b)
    if add:
        out += matmul_fn(a, b)
    else:
        matmul_fn(a, b, out=out)
    return out


class _OneBlasThread:
    """Context: the loaded BLAS libraries held to one thread, their counts restored on the way out.

    Counted, so that nested and concurrent users (two threads training two models) share one
    setting and the last one out restores it. It calls the libraries' own ``*_set_num_threads``
    through threadpoolctl's handles, found once (a ``ThreadpoolController.limit`` costs 11-23 us a
    call, this 1.6 us when BLAS is already at one thread, 4.2 us when it sets and restores).
    BLAS libraries threaded with OpenMP keep one count per thread: our pool threads set theirs to
    one when they start (``_pool_thread_start``).
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._depth = 0
        self._saved: list | None = None     # [(set_num_threads, count to restore)] while held
        self._libraries = None

    def libraries(self) -> list:
        """``[(get_num_threads, set_num_threads, threading_layer)]`` of the loaded BLAS libraries."""
        if self._libraries is None:
            try:
                from threadpoolctl import ThreadpoolController

                found = [lib for lib in ThreadpoolController().lib_controllers if lib.user_api == "blas"]
            except ImportError:  # pragma: no cover - threadpoolctl is a dependency
                found = []
            # threadpoolctl ignores OpenBLAS settings from any Python thread but the first to set one;
            # its ``_real_set_num_threads`` calls the library itself (public method as the fallback)
            self._libraries = [
                (lib.get_num_threads, getattr(lib, "_real_set_num_threads", lib.set_num_threads),
                 getattr(lib, "threading_layer", None))
                for lib in found
            ]
        return self._libraries

    def __enter__(self):
        with self._lock:
            if self._depth == 0:
                saved = None
                for get, set_, _ in self._libraries if self._libraries is not None else self.libraries():
                    count = get()
                    if count is not None and count != 1:
                        set_(1)
                        saved = [*(saved or ()), (set_, count)]
                self._saved = saved
            self._depth += 1
        return self

    def __exit__(self, *exc):
        with self._lock:
            self._depth -= 1
            if self._depth == 0 and self._saved:
                for set_, count in self._saved:
                    set_(count)
                self._saved = None
        return False


_one_blas_thread = _OneBlasThread()


def one_blas_thread() -> _OneBlasThread:
    """The context that holds BLAS to one thread while our products and blocks run."""
    return _one_blas_thread


def _pool_thread_start() -> None:
    for _, set_, layer in _one_blas_thread.libraries():
        if layer == "openmp":        # one count per thread: these threads only run our blocks
            set_(1)


def _pool(threads: int) -> ThreadPoolExecutor:
    global _executor, _executor_size
    with _lock:
        if _executor is None or _executor_size < threads:
            if _executor is not None:
                _executor.shutdown(wait=False)
            _executor = ThreadPoolExecutor(threads, thread_name_prefix="scratchdl-block",
                                           initializer=_pool_thread_start)
            _executor_size = threads
        return _executor
