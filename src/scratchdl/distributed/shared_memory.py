"""The gradient all-reduce of the ranks of one machine through shared memory (an MPI-3 window),
and across machines through one ``Allreduce`` per slice: a hierarchical all-reduce, as Horovod's
and NCCL's.

Layout. The ``L`` ranks of a node allocate one shared window (``MPI.Win.Allocate_shared``); local
rank ``k``'s segment holds its flat gradient ``g_k`` (``m`` elements; backward accumulates straight
into it), then its sample count ``n_k`` and its extras ``e_k``. Every rank maps every segment of
its node (``Shared_query``), so it reads the others' gradients where they were written.

Arithmetic. The gradient of the global batch of ``n = sum_k n_k`` samples is the weighted mean

    g = sum_k (n_k / n) g_k,

and the extras are summed, ``e = sum_k e_k``. First every rank sums the counts and extras of its
node's segments; on several nodes one ``Allreduce`` of these ``1 + len(e)`` numbers, among the
ranks with the same local rank, makes them global, so the weights ``n_k / n`` are final before any
gradient is summed (weighting after the sum would cost a second pass over the buffer). Then
``[0, m)`` is cut into ``L`` slices of nearly equal length whose bounds are multiples of 64 bytes
(no cache line is written by two ranks), and local rank ``r`` computes its slice

    s_r = sum_{k on this node} (n_k / n) g_k[slice r]

in chunks of ``CHUNK_BYTES``, accumulated in place in its own segment (the chunk and one
temporary stay in the cache, and the weighting is folded into the sum, with no pass of its own).
On one node ``s_r`` is slice ``r`` of ``g``, and rank ``r`` copies each chunk into the other
segments while it is in the cache. On several nodes (the same number
of ranks on each) the ranks with local rank ``r``, one per node, sum their ``s_r`` with one
in-place ``Allreduce`` (each moves ``m / L`` elements; the ``L`` of a node run at once), and rank
``r`` then copies the sum into slice ``r`` of the other segments of its node.

Synchronisation. The window is locked once for all (``Lock_all``, MPI-3's unified memory model)
and every barrier is ``win.Sync(); node.Barrier(); win.Sync()``: the ``Sync`` calls are memory
fences, so that what a rank stored before the barrier is what the others load after it. Two per
step:

1. after each rank has written ``g_k`` (its backward), ``n_k`` and ``e_k``, and before any rank
   reads them;
2. after every slice is in every segment, and before any rank returns: each segment then holds
   ``g``, and a rank's next backward and next count (which rewrite its segment) cannot race with
   another rank still reading it.

Between the two no barrier is needed: rank ``r`` reads the counts (which nobody writes then) and
reads and writes slice ``r`` of the segments only. A step whose counts do not add up to the
expected global batch passes barrier 2 too before it raises, for the same reason.
"""

from __future__ import annotations

import numpy as np

from ..errors import StateError
from .comm import Comm
from .loader import check_global_batch

ALIGN_BYTES = 64  # a cache line
CHUNK_BYTES = 128 * 1024  # a chunk of each segment and the temporary stay in a core's L2 cache


def slice_bounds(length: int, parts: int, itemsize: int, align_bytes: int = ALIGN_BYTES) -> np.ndarray:
    """The ``parts + 1`` bounds cutting ``[0, length)`` into nearly equal slices, every inner bound a
    multiple of ``align_bytes`` (counted in blocks of that size: slices differ by at most one block)."""
    unit = max(1, align_bytes // itemsize)
    blocks = -(-length // unit)
    return np.minimum(length, np.arange(parts + 1) * blocks // parts * unit)


class SharedMemoryAllreduce:
    """The weighted-mean all-reduce of ``length`` gradient elements and ``num_extras`` sums through a
    window shared by the ranks of ``node``, and between nodes among the ranks of ``across`` (one per
    node, with this rank's local rank); see the module's docstring.

    Build it with ``open_shared_memory_allreduce``, which decides collectively whether it can be
    used. ``segment`` is this rank's part of the window: the gradients, then the count and extras.
    ``reducer(n_local, extras, n_global)`` returns ``(n, summed extras)`` and leaves the weighted
    mean in the first ``length`` elements of every rank's segment. ``close()`` frees the window; it
    is collective, like every call.
    """

    def __init__(self, node: Comm, across: Comm, length: int, num_extras: int, dtype, owned=()):
        from mpi4py import MPI

        self.node, self.across, self.length = node, across, int(length)
        self.dtype = np.dtype(dtype)
        self._owned = list(owned)  # communicators made here, freed with the window
        size, itemsize = self.length + 1 + num_extras, self.dtype.itemsize
        nbytes = -(-size * itemsize // ALIGN_BYTES) * ALIGN_BYTES  # every segment starts on a cache line
        self.win = MPI.Win.Allocate_shared(nbytes, itemsize, comm=node.mpi)
        self.win.Lock_all(MPI.MODE_NOCHECK)
        self.segments = [np.frombuffer(self.win.Shared_query(k)[0], self.dtype, count=size)
                         for k in range(node.size)]
        self.segment = self.segments[node.rank]
        self.segment[:] = 0
        lo, hi = slice_bounds(self.length, node.size, itemsize)[node.rank:node.rank + 2]
        self.slice = slice(int(lo), int(hi))
        self._term = np.empty(max(1, CHUNK_BYTES // itemsize), self.dtype)

    def __call__(self, n_local: int, extras=(), n_global: int | None = None) -> tuple[int, np.ndarray]:
        end = self.length
        self.segment[end] = n_local
        self.segment[end + 1:] = extras
        self._barrier()  # 1: every segment written
        counts = np.array([seg[end] for seg in self.segments], dtype=np.float64)
        totals = np.sum([seg[end:] for seg in self.segments], axis=0, dtype=self.dtype)
        self.across.allreduce_sum_(totals)  # this node's count and extras -> the world's
        n = int(round(float(totals[0])))
        try:
            check_global_batch(n, n_global)
        except StateError:
            self._barrier()  # 2: no rank rewrites its count while another still reads it
            raise
        weights = (counts / n).astype(self.dtype)
        one_node = self.across.size == 1
        self._weighted_sum(weights, copy_to_all=one_node)
        if not one_node:
            self.across.allreduce_sum_(self.segment[self.slice])
            for seg in self.segments:
                if seg is not self.segment:
                    seg[self.slice] = self.segment[self.slice]
        self._barrier()  # 2: every segment holds the mean
        return n, totals[1:].copy()

    def _weighted_sum(self, weights: np.ndarray, copy_to_all: bool) -> None:
        """``sum_k weights[k] * segment_k`` over this rank's slice, chunk by chunk, accumulated in
        place in this rank's segment and, if ``copy_to_all``, copied into the others while in the cache."""
        own, mine = self.segment, self.node.rank
        others = [(seg, weights[k]) for k, seg in enumerate(self.segments) if k != mine]
        for start in range(self.slice.start, self.slice.stop, self._term.size):
            part = slice(start, min(start + self._term.size, self.slice.stop))
            total, term = own[part], self._term[:part.stop - start]
            np.multiply(total, weights[mine], out=total)
            for seg, weight in others:
                np.multiply(seg[part], weight, out=term)
                total += term
            for seg, _ in others if copy_to_all else ():
                seg[part] = total

    def _barrier(self) -> None:
        self.win.Sync()
        self.node.mpi.Barrier()
        self.win.Sync()

    def close(self) -> None:
        """Free the window and the communicators made for it (collective). Arrays that view the
        segments must not be used after it."""
        self.segments = self.segment = None
        self.win.Unlock_all()
        self.win.Free()
        for comm in self._owned:
            comm.mpi.Free()
        self._owned = []


def open_shared_memory_allreduce(comm: Comm, length: int, num_extras: int, dtype, wanted: bool = True,
                                 node: Comm | None = None) -> SharedMemoryAllreduce | None:
    """The shared-memory all-reduce of ``comm``'s ranks, or None where it cannot be used: some rank
    does not want it (``wanted`` False: its gradients are not host arrays of ``dtype``, or the plain
    MPI path was asked for), or the nodes have different numbers of ranks. Collective over ``comm``.

    ``node``: the ranks sharing memory with this one; by default MPI's ``COMM_TYPE_SHARED`` split of
    ``comm``. A test may pass a finer split (``comm.mpi.Split(rank // 2)``) to pretend that the
    ranks of one machine are on several nodes.
    """
    from mpi4py import MPI

    owned = []
    if node is None:
        node = Comm(comm.mpi.Split_type(MPI.COMM_TYPE_SHARED, key=comm.rank))
        owned.append(node)
    agreed = comm.allgather((bool(wanted), node.size))
    if not all(w for w, _ in agreed) or len({size for _, size in agreed}) > 1:
        for c in owned:
            c.mpi.Free()
        return None
    across = Comm(comm.mpi.Split(color=node.rank, key=comm.rank))  # one rank per node, same local rank
    return SharedMemoryAllreduce(node, across, length, num_extras, dtype, owned=[*owned, across])
