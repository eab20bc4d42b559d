"""Run under ``mpiexec -n N python reduce_worker.py NODES`` by test_shared_memory.py.

Every rank fills the gradients of a few parameters with its own random numbers, for unequal
sample counts ``n_k = 3 + 2k`` and two extras, and runs ``GradientReducer`` for float32 and
float64, with the global batch given and not. NODES 0 lets MPI find the machine's ranks; NODES
``j > 0`` pretends the ranks are on ``j`` nodes (``comm.Split(rank * j // N)``) to run the path
between nodes on one machine. Rank 0 prints one JSON line: the all-reduce that ran, the largest
error against the exact weighted mean (computed in float64) and against the plain MPI path, and
whether every rank ended with the same bits, the error after ``close()``, the StateError of
a step whose counts do not make the given global batch, and the error when the gradients were cast
to the other dtype after the reducer was built (a model cast after ``DataParallel``).
"""

import hashlib
import json
import os
import sys

import numpy as np

from scratchdl import distributed
from scratchdl.distributed import Comm, GradientReducer
from scratchdl.errors import StateError
from scratchdl.nn import Parameter

# 75042 elements: slices of several chunks, bounds that fall inside a parameter, odd sizes.
SHAPES = [(300, 250), (11,), (5, 3, 2), (1,)]


def count(rank: int) -> int:
    return 3 + 2 * rank


def extras(rank: int) -> tuple:
    return (1.5 * rank, rank + 1)


def gradients(rank: int, step: int, dtype) -> list[np.ndarray]:
    rng = np.random.default_rng(1000 * step + rank)
    return [rng.standard_normal(shape).astype(dtype) for shape in SHAPES]


def exact_mean(size: int, step: int) -> list[np.ndarray]:
    """sum_k (n_k / n) g_k, in float64 from the float64 draws."""
    n = sum(count(k) for k in range(size))
    per_rank = [gradients(k, step, np.float64) for k in range(size)]
    return [sum(count(k) / n * g[i] for k, g in enumerate(per_rank)) for i in range(len(SHAPES))]


def reducer(dtype, comm, node, method):
    os.environ["SCRATCHDL_ALLREDUCE"] = method
    params = [Parameter(np.zeros(shape, dtype)) for shape in SHAPES]
    return GradientReducer(params, comm, num_extras=2, node=node)


def step(red, comm, step_no, dtype, n_global):
    for p, g in zip(red.params, gradients(comm.rank, step_no, dtype), strict=True):
        if step_no % 2:
            p.grad[...] = g  # backward writes into the buffer...
        else:
            p.grad = g  # ...or a gradient was replaced (Module.to): the reducer copies it back in
    n, summed = red(count(comm.rank), extras(comm.rank), n_global)
    return n, summed, [p.grad.copy() for p in red.params]


def largest_error(got, want) -> float:
    scale = max(float(np.abs(w).max()) for w in want)
    return max(float(np.abs(g - w).max()) for g, w in zip(got, want, strict=True)) / scale


def check(comm, node, dtype, n_global_known) -> dict:
    size = comm.size
    n_true = sum(count(k) for k in range(size))
    n_global = n_true if n_global_known else None
    shared, plain = reducer(dtype, comm, node, "auto"), reducer(dtype, comm, node, "mpi")
    report = {"method": shared.method, "plain_method": plain.method, "exact": 0.0, "vs_mpi": 0.0,
              "nodes": shared.shared.across.size if shared.shared is not None else None}
    digests = []
    for step_no in (1, 2):
        n, summed, got = step(shared, comm, step_no, dtype, n_global)
        n_mpi, summed_mpi, got_mpi = step(plain, comm, step_no, dtype, n_global)
        assert n == n_mpi == n_true, (n, n_mpi, n_true)
        want_extras = np.sum([extras(k) for k in range(size)], axis=0)
        np.testing.assert_allclose(summed, want_extras)
        np.testing.assert_allclose(summed_mpi, want_extras)
        assert summed.dtype == dtype
        report["exact"] = max(report["exact"], largest_error(got, exact_mean(size, step_no)))
        report["vs_mpi"] = max(report["vs_mpi"], largest_error(got, got_mpi))
        digests.append(hashlib.sha1(b"".join(g.tobytes() for g in got)).hexdigest())
    try:  # one rank counted twice: every rank raises, and the next step still works
        shared(count(comm.rank), extras(comm.rank), n_true + 1)
        report["mismatch"] = "no error"
    except StateError as e:
        report["mismatch"] = str(e)
    assert step(shared, comm, 3, dtype, n_global)[0] == n_true
    report["views"] = all(np.shares_memory(p.grad, shared.buffer) for p in shared.params)
    # the model cast after the reducer was built: its gradients go through the buffer by copies
    other, cast = (np.float32 if dtype == np.float64 else np.float64), reducer(dtype, comm, node, "auto")
    report["exact_cast"] = 0.0
    for step_no in (6, 8):
        n_cast, _, got = step(cast, comm, step_no, other, n_global)
        assert n_cast == n_true and all(g.dtype == other for g in got)
        report["exact_cast"] = max(report["exact_cast"], largest_error(got, exact_mean(size, step_no)))
    report["cast_method"] = cast.method
    cast.close()
    window = shared.buffer
    shared.close()  # the window freed; the reducer carries on through MPI's Allreduce
    report["after_close"] = shared.method
    report["moved_out"] = not any(np.shares_memory(p.grad, window) for p in shared.params)
    after_close = step(shared, comm, 4, dtype, n_global)[2]
    report["exact_after_close"] = largest_error(after_close, exact_mean(size, 4))
    report["digests"] = digests
    return report


def main(nodes: int) -> None:
    world = distributed.world(required=True)
    node = Comm(world.mpi.Split(color=world.rank * nodes // world.size, key=world.rank)) if nodes else None
    reports = {f"{np.dtype(dtype).name} n_global={known}": check(world, node, dtype, known)
               for dtype in (np.float32, np.float64) for known in (False, True)}
    every_rank = world.allgather(reports)
    if world.is_root:
        for name, report in reports.items():
            report["same_on_every_rank"] = all(r[name]["digests"] == report["digests"] for r in every_rank)
            report["exact"] = max(r[name]["exact"] for r in every_rank)
        print(json.dumps(reports))


if __name__ == "__main__":
    with distributed.world(required=True).abort_on_error("reduce_worker"):
        main(int(sys.argv[1]))
