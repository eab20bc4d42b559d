"""Work over blocks of samples, spread over the CPU cores.

NumPy's copies and elementwise operations use one core; only its BLAS matrix products use more.
The convolution and pooling layers therefore cut the batch into blocks of samples (small enough
to stay in cache) and hand the blocks to a pool of threads (NumPy releases the GIL inside its
loops and BLAS calls). Results come back in block order, so sums over blocks are the same, bit for
bit, whatever the number of threads. ``run_elementwise`` does the same for elementwise layers
(ReLU) over ranges of the flattened arrays, and ``matmul`` for the products of ``Linear``, over
ranges of rows. Arrays of other libraries (CuPy) run the blocks in turn.

**BLAS's threads.** The library shares the cores out at run time, whatever was imported first.
OpenBLAS's own worker threads, once a multi-threaded product has woken them, spin for about 0.1 s
after it (``OPENBLAS_THREAD_TIMEOUT``, read only when NumPy loads OpenBLAS, so a library imported
after NumPy cannot change it), and would hold the cores our block threads need. So a network runs
its products one of two ways, decided by what it did in the last ``BLAS_SPIN_SECONDS``:

- with blocks of ours (convolutions, pooling): every product with BLAS held to one thread
  (``one_blas_thread``, set and restored through threadpoolctl's handles on the loaded BLAS,
  2-4 microseconds), the large ones of ``Linear`` split by rows over our threads (``matmul``);
  BLAS's threads are never woken by scratchdl;
- without (an MLP): ``Linear``'s products on BLAS's own ``NUM_THREADS`` threads, which share a
  product's packing, and elementwise work on the calling thread while they may still spin.

The user's own NumPy code between steps keeps BLAS's threads as the user set them.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
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

# OpenBLAS's workers spin this long after a multi-threaded product (2^28 cycles by default, about
# 0.1 s): our blocks would fight them for the cores. ``matmul`` uses BLAS's threads only after
# this long without blocks of ours, and elementwise work within this long of such a product stays
# on the calling thread.
BLAS_SPIN_SECONDS = 0.2
_blocks_ran_at = -float("inf")      # when our threads last ran blocks (time.monotonic())
_blas_spins_until = -float("inf")   # when BLAS's threads, woken by our last product, are asleep again

_lock = threading.Lock()
_inside = threading.local()   # .blocks: this thread is running a block (nested calls run in turn)
_executor: ThreadPoolExecutor | None = None
_executor_size = 0


def sample_blocks(n: int, bytes_per_sample: int, budget: int) -> list[tuple[int, int]]:
    """``[(n0, n1), ...]`` covering ``range(n)``, each block at most ``budget`` bytes (one sample at
    least), as many blocks as it takes, rounded up to a multiple of ``NUM_THREADS`` (while there are
    samples for it) and sizes within one of each other, so that the threads finish together."""
    size = max(1, min(n, budget // max(bytes_per_sample, 1)))
    threads = max(NUM_THREADS, 1)
    count = -(-n // size)
    count = min(n, -(-count // threads) * threads)
    return [(k * n // count, (k + 1) * n // count) for k in range(count)]


def run_blocks(work, blocks, xp=np) -> list:
    """``[work(n0, n1) for (n0, n1) in blocks]``, on up to ``NUM_THREADS`` threads for NumPy arrays.

    The calling thread works too: it and ``NUM_THREADS - 1`` pool threads each take the next block
    not yet taken until none is left (so a slow block does not hold up a fixed share), and only
    the pool threads need waking, which costs tens of microseconds a call. A network that runs
    blocks keeps BLAS on one thread in its products (``matmul``).
    """
    return _run_blocks(work, blocks, xp, claim=True)


def _run_blocks(work, blocks, xp, claim: bool) -> list:
    """``run_blocks``; ``claim``: note the time, so that ``matmul`` leaves BLAS's threads asleep."""
    global _blocks_ran_at
    threads = min(NUM_THREADS, len(blocks)) if xp is np else 1
    if threads <= 1 or getattr(_inside, "blocks", False):
        return [work(n0, n1) for n0, n1 in blocks]
    if claim:
        _blocks_ran_at = time.monotonic()
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
    (CuPy: one kernel launch over the whole array) and while BLAS's threads may still spin after an
    MLP's product (``matmul``), else blocks of ``ELEMENTWISE_BLOCK_BYTES`` spread over the cores."""
    if xp is not np or size * itemsize < ELEMENTWISE_MIN_BYTES or time.monotonic() < _blas_spins_until:
        work(0, size)
    else:
        _run_blocks(work, sample_blocks(size, itemsize, ELEMENTWISE_BLOCK_BYTES), xp, claim=False)


def add_scaled_(y, alpha: float, x, xp=np) -> None:
    """``y += alpha * x`` in place, for arrays of one shape: over cache-sized ranges on every core,
    so no array-sized temporary is made (a new 4 MB array costs its page faults every call)."""
    if xp is not np or y.size <= _SCALED_CHUNK or not (y.flags.c_contiguous and x.flags.c_contiguous):
        y += alpha * x
        return
    y_flat, x_flat = y.reshape(-1), x.reshape(-1)

    def block(i0, i1):
        for j0 in range(i0, i1, _SCALED_CHUNK):
            j1 = min(j0 + _SCALED_CHUNK, i1)
            y_flat[j0:j1] += alpha * x_flat[j0:j1]

    run_elementwise(block, y.size, y.itemsize, xp)


_SCALED_CHUNK = 1 << 14     # elements of one temporary in add_scaled_ (64 KB in float32: in L2)


def matmul(a, b, out=None, add: bool = False, xp=np):
    """``a @ b`` for 2-D ``a`` (m, k) and ``b`` (k, n), into ``out`` (new when None; ``add``:
    ``out += a @ b``), on the cores in one of two ways (the module's docstring says when):

    - **BLAS's threads** (``NUM_THREADS`` of them): when none of our blocks ran in the last
      ``BLAS_SPIN_SECONDS`` (an MLP). BLAS splits a product better than we can: each of its threads
      packs only its share of ``b``.
    - **Ours**, BLAS on one thread: products of ``PRODUCT_SPLIT_MACS`` multiply-adds or more are
      split by rows of ``a`` over our threads, one range per thread, smaller ones run here.

    BLAS picks its kernels by the shape, so the last bits may change with the number of threads,
    as with any BLAS."""
    global _blas_spins_until
    if xp is not np:
        return _product(xp.matmul, a, b, out, add)
    m = a.shape[0]
    macs = m * a.shape[1] * b.shape[1]
    if macs < BLAS_SINGLE_THREAD_MACS or getattr(_inside, "blocks", False):
        return _product(np.matmul, a, b, out, add)
    if NUM_THREADS > 1 and time.monotonic() - _blocks_ran_at > BLAS_SPIN_SECONDS:
        with _blas_threads.held(NUM_THREADS):
            out = _product(np.matmul, a, b, out, add)
        _blas_spins_until = time.monotonic() + BLAS_SPIN_SECONDS
        return out
    if macs < PRODUCT_SPLIT_MACS or m < 2:     # on this thread, few calls
        with one_blas_thread():
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


class _BlasThreads:
    """The loaded BLAS libraries' thread counts, held at run time and restored after.

    ``held(count)`` is a context: while any are open, BLAS runs at the fewest threads any of them
    asked for (our blocks ask for one, an MLP's products for ``NUM_THREADS``, and two Python threads
    training two models may overlap); when the last closes, the counts found before come back. It
    calls the libraries' own ``*_set_num_threads`` through threadpoolctl's handles, found once (a
    ``ThreadpoolController.limit`` costs 11-23 us a call, this 1.6 us when BLAS already runs at the
    count, 4.2 us when it sets and restores). BLAS libraries threaded with OpenMP keep one count per
    thread: our pool threads set theirs to one when they start (``_pool_thread_start``).
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._held: list[int] = []
        self._saved: list | None = None     # [(get, set, count to restore)] while any is held
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

    def held(self, count: int) -> _Held:
        return _Held(self, count)

    def _enter(self, count: int) -> None:
        with self._lock:
            self._held.append(count)
            self._apply()

    def _exit(self, count: int) -> None:
        with self._lock:
            self._held.remove(count)
            self._apply()

    def _apply(self) -> None:
        """Set every library to the fewest threads held, or back to its own count when none is (the
        counts are saved when the first context opens). Only counts that differ are set."""
        if self._saved is None:
            libraries = self._libraries if self._libraries is not None else self.libraries()
            self._saved = [(get, set_, get()) for get, set_, _ in libraries]
        wanted = min(self._held) if self._held else None
        for get, set_, own in self._saved:
            target = own if wanted is None else wanted
            if own is not None and get() != target:
                set_(target)
        if wanted is None:
            self._saved = None


class _Held:
    """The context ``_BlasThreads.held(count)`` returns (a class: a generator costs microseconds)."""

    __slots__ = ("owner", "count")

    def __init__(self, owner: _BlasThreads, count: int):
        self.owner, self.count = owner, count

    def __enter__(self):
        self.owner._enter(self.count)
        return self

    def __exit__(self, *exc):
        self.owner._exit(self.count)
        return False


_blas_threads = _BlasThreads()


def one_blas_thread():
    """The context that holds BLAS to one thread while our blocks and products run."""
    return _blas_threads.held(1)


def _pool_thread_start() -> None:
    for _, set_, layer in _blas_threads.libraries():
        if layer == "openmp":        # one count per thread: these threads only run our blocks
            set_(1)


def _forget_pool_after_fork() -> None:
    """A forked child has none of its parent's threads: a pool inherited through ``fork`` would take
    work and never run it (``multiprocessing`` with the fork start method, a test runner that forks).
    The child starts a pool of its own when it first needs one."""
    global _executor, _executor_size, _lock
    _executor, _executor_size, _lock = None, 0, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_after_fork)


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
