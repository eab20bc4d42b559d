"""Replicas that start different end equal: a model seeded per rank (or from the clock) is replaced
by rank 0's before the first step, by ``fit`` and by ``DataParallel``, so that ``mpiexec -n 2`` trains
one model, the one a single process trains from rank 0's weights, not two averaged."""

import json
from pathlib import Path

import numpy as np
import pytest
from mpi_procs import needs_mpi, run
from test_allreduce import PairComm

from scratchdl import models
from scratchdl.distributed import DataParallel, broadcast_parameters

WORKER = Path(__file__).with_name("setup_worker.py")


class FromRoot(PairComm):
    """Rank 1 of a pretend world of two, whose broadcasts bring rank 0's arrays, in order."""

    def __init__(self, root_model):
        super().__init__()
        self.rank, self.arrays = 1, [np.array(a) for a in root_model.state_dict().values()]

    def bcast_(self, buffer, root=0):
        assert root == 0
        buffer[...] = self.arrays.pop(0)
        return buffer


def mlp(seed):
    return models.MLP([3, 5, 2], batchnorm=True, rng=np.random.default_rng(seed), dtype=np.float64)


@pytest.mark.parametrize("how", ["broadcast_parameters", "DataParallel"])
def test_a_rank_seeded_apart_takes_rank_0s_weights_and_buffers(how):
    root, mine = mlp(0), mlp(1)
    root.layers[1].running_mean[...] = 0.25  # buffers too (running statistics)
    comm = FromRoot(root)
    broadcast_parameters(mine, comm=comm) if how == "broadcast_parameters" else DataParallel(mine, comm)
    assert comm.arrays == []  # every array of the state_dict went through the broadcast
    for (name, got), want in zip(mine.state_dict().items(), root.state_dict().values(), strict=True):
        np.testing.assert_array_equal(got, want, err_msg=name)


def assert_same(a: dict, b: dict, rtol: float) -> None:
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_allclose(np.array(b[k]), np.array(a[k]), rtol=rtol, atol=rtol, err_msg=k)


@needs_mpi
@pytest.mark.slow
def test_ranks_seeded_apart_end_the_first_step_equal_and_as_one_process():
    results = {}
    for n in (0, 2):
        done = run(n, WORKER, "seeded")
        assert done.returncode == 0, done.stderr
        results[n] = json.loads(done.stdout.strip().splitlines()[-1])
    one, two = results[0], results[2]
    assert_same(one["initial"], two["initial"], 0)  # rank 0's seed, the same model in both runs
    for how in ("fit", "loop"):
        first, second = two[how]
        assert_same(first, second, 0)              # the ranks hold one model, bit for bit
        assert_same(one[how][0], first, 1e-12)     # the model one process trains
    initial, stepped = one["initial"], one["fit"][0]
    moved = max(np.abs(np.array(stepped[k]) - np.array(initial[k])).max() for k in initial)
    assert moved > 1e-3  # the step did change the weights
