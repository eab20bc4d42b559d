"""Under ``mpiexec -n N`` a command other than train runs once, on rank 0, with all of its machine's
cores (not the share of one rank); the other ranks exit with its status. MPI is a pretend world."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest

from scratchdl import cli, distributed
from scratchdl.nn import blocks


@pytest.fixture
def four_cores_two_ranks(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(4)), raising=False)
    monkeypatch.setenv("MPI_LOCALNRANKS", "2")
    monkeypatch.delenv(blocks.THREADS_VAR, raising=False)
    monkeypatch.setattr(blocks, "NUM_THREADS", 2)  # a rank's share, as the launcher's variables give it
    calls = []

    def run_on_root(comm, work):
        calls.append(comm)
        return work() if comm.is_root else 5

    monkeypatch.setattr(distributed, "run_on_root", run_on_root)
    return calls


@pytest.mark.parametrize("is_root", [True, False])
def test_the_command_runs_on_rank_zero_with_every_core(four_cores_two_ranks, is_root):
    comm = SimpleNamespace(is_root=is_root, size=2)
    seen = []
    args = SimpleNamespace(command="models", run=lambda a: seen.append((a, blocks.NUM_THREADS)) or 3)
    status = cli._on_rank_zero(comm, args)
    assert four_cores_two_ranks == [comm]
    if is_root:
        assert status == 3 and seen == [(args, 4)]
    else:
        assert status == 5 and seen == [] and blocks.NUM_THREADS == 2
