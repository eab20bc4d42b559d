"""The shared-memory all-reduce: under ``mpiexec`` it gives the exact weighted mean, as the plain MPI
path does, on one node and on pretend nodes; in one process, its slices and the escape hatch."""

import json
from pathlib import Path

import numpy as np
import pytest
from mpi_procs import needs_mpi, run
from test_allreduce import PairComm, model

from scratchdl.distributed import Comm, GradientReducer
from scratchdl.distributed.shared_memory import slice_bounds
from scratchdl.errors import ConfigError

WORKER = Path(__file__).with_name("reduce_worker.py")
CASES = ["float32 n_global=False", "float32 n_global=True", "float64 n_global=False", "float64 n_global=True"]


@needs_mpi
@pytest.mark.parametrize(("n", "nodes", "method", "across"), [
    (2, 0, "shared memory", 1),
    (3, 0, "shared memory", 1),  # three slices of unequal length
    (2, 2, "shared memory", 2),  # two pretend nodes of one rank: the Allreduce between nodes
    (4, 2, "shared memory", 2),  # two pretend nodes of two ranks
    (3, 2, "mpi", None),  # nodes of 2 and 1 ranks: the plain MPI path
])
def test_the_weighted_mean_on_every_rank(n, nodes, method, across):
    result = run(n, WORKER, nodes, timeout=120)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    reports = json.loads(result.stdout.splitlines()[-1])
    assert sorted(reports) == CASES
    n_true = sum(3 + 2 * k for k in range(n))
    for name, report in reports.items():
        tol = 1e-6 if name.startswith("float32") else 1e-14
        assert (report["method"], report["plain_method"], report["nodes"]) == (method, "mpi", across)
        assert report["exact"] < tol and report["vs_mpi"] < tol and report["exact_after_close"] < tol, name
        assert report["exact_cast"] < 1e-6 and report["cast_method"] == method, name  # float32 either way
        assert report["same_on_every_rank"] and report["views"], name
        assert report["after_close"] == "mpi" and report["moved_out"] == (method == "shared memory")
        assert report["mismatch"] == (f"GradientReducer: the ranks' batches sum to {n_true} samples, not the "
                                      f"{n_true + 1} expected: the ranks are at different steps")


@pytest.mark.parametrize(("length", "parts", "itemsize"),
                         [(1000, 2, 4), (1000, 3, 4), (1001, 3, 8), (5, 4, 4), (0, 2, 4), (75042, 7, 8)])
def test_slices_tile_the_range_on_cache_line_bounds(length, parts, itemsize):
    bounds = slice_bounds(length, parts, itemsize)
    assert bounds[0] == 0 and bounds[-1] == length and np.all(np.diff(bounds) >= 0)
    inner = bounds[1:-1][bounds[1:-1] < length]
    assert np.all(inner * itemsize % 64 == 0)
    unit = 64 // itemsize
    assert np.ptp(np.diff(bounds)) <= unit or length < parts * unit  # nearly equal: one cache line apart


def test_unknown_allreduce_method_is_a_config_error(monkeypatch):
    monkeypatch.setenv("SCRATCHDL_ALLREDUCE", "nccl")
    with pytest.raises(ConfigError, match="unknown SCRATCHDL_ALLREDUCE value 'nccl'; valid: auto, mpi"):
        GradientReducer(model().parameters(), PairComm())
    monkeypatch.setenv("SCRATCHDL_ALLREDUCE", "mpi")
    assert GradientReducer(model().parameters(), PairComm()).method == "mpi"


def test_one_process_returns_its_own_count_and_extras():
    reducer = GradientReducer(model(np.float32).parameters(), Comm(None), num_extras=2)
    n, extras = reducer(5, (1.5, 3))
    assert n == 5 and extras.tolist() == [1.5, 3.0] and extras.dtype == np.float32
    with pytest.raises(ValueError, match="GradientReducer: expected 2 extras, got 1"):
        reducer(5, (1.5,))
