"""More ranks than cores on a machine: found from every rank's host and CPU affinity, said in one line."""

import os

import pytest

from scratchdl.distributed import crowded_machines, crowding_warning
from scratchdl.distributed.machines import usable_cores


class Gathered:
    """A world whose allgather returns the given per-rank values (host, CPUs it may use)."""

    def __init__(self, values):
        self.values = values

    def allgather(self, obj):
        return self.values


def test_a_machine_with_more_ranks_than_cores_is_found():
    both = {0, 1}
    world = Gathered([("a", both), ("a", both), ("a", both), ("b", {0}), ("b", {1}), ("c", {0})])
    assert crowded_machines(world) == [("a", 3, 2)]  # b: two ranks bound to one core each; c: one rank
    assert crowded_machines(Gathered([("a", {0}), ("a", {0})])) == [("a", 2, 1)]  # both bound to core 0


def test_the_warning_names_each_crowded_machine():
    assert crowding_warning([]) is None
    assert crowding_warning([("a", 4, 2), ("b", 3, 1)]) == (
        "4 processes on a, which has 2 cores, 3 processes on b, which has 1 core: the processes take turns "
        "on the cores and wait for each other at every step, so the job runs slower than with at most one "
        "process per core")


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs CPU affinity (Linux)")
def test_a_rank_bound_to_one_core_counts_that_core():
    everything = os.sched_getaffinity(0)
    one = min(everything)
    os.sched_setaffinity(0, {one})  # as a launcher that binds each rank to a core does
    try:
        assert usable_cores() == {one}
    finally:
        os.sched_setaffinity(0, everything)
    assert usable_cores() == everything


def test_without_cpu_affinity_every_core_counts(monkeypatch):
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    assert usable_cores() == {0, 1, 2}
    monkeypatch.setattr(os, "cpu_count", lambda: None)  # unknown: at least the one this runs on
    assert usable_cores() == {0}
