"""A world of ranks in threads of one process, for tests: each rank's ``Comm`` sums, broadcasts and
gathers through shared slots and a barrier, as MPI would between processes."""

import threading

import numpy as np

from scratchdl.distributed import Comm


class ThreadWorld:
    def __init__(self, size: int):
        self.size = size
        self.slots = [None] * size
        self.barrier = threading.Barrier(size, timeout=30)  # a rank that never arrives fails the test

    def exchange(self, rank: int, value) -> list:
        """Every rank's ``value``, in rank order, on every rank."""
        self.slots[rank] = value
        self.barrier.wait()
        values = list(self.slots)
        self.barrier.wait()  # nobody overwrites a slot before every rank has read it
        return values


class ThreadRank(Comm):
    """Rank ``rank`` of a ``ThreadWorld``."""

    def __init__(self, world: ThreadWorld, rank: int):
        super().__init__(None)
        self.world, self.rank, self.size = world, rank, world.size

    def allreduce_sum_(self, buffer):
        buffer[...] = np.sum(self.world.exchange(self.rank, buffer.copy()), axis=0)
        return buffer

    def bcast_(self, buffer, root=0):
        buffer[...] = self.world.exchange(self.rank, buffer.copy())[root]
        return buffer

    def bcast(self, obj, root=0):
        return self.world.exchange(self.rank, obj)[root]

    def allgather(self, obj):
        return self.world.exchange(self.rank, obj)


def run_ranks(size: int, work) -> list:
    """``work(comm)`` on ``size`` ranks at once, one thread each; their results in rank order (an
    exception on any rank is raised here)."""
    world = ThreadWorld(size)
    results, errors = [None] * size, []

    def rank_main(rank):
        try:
            results[rank] = work(ThreadRank(world, rank))
        except BaseException as e:  # noqa: BLE001  reported by the caller's thread
            errors.append(e)
            world.barrier.abort()

    threads = [threading.Thread(target=rank_main, args=(r,)) for r in range(size)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results
