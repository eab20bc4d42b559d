"""``Comm``: in a world of one process every collective gives back its input; on an MPI communicator
the broadcasts come from rank 0 unless another root is named (mpi4py's calls, recorded)."""

import numpy as np
import pytest

from scratchdl.distributed import Comm, DataParallel, broadcast_parameters
from scratchdl.models import MLP


class Recorded:
    """mpi4py's communicator of two as rank ``rank`` sees it: a broadcast writes ``sent`` (the root's value)
    into the buffer and records the root it was given."""

    def __init__(self, sent=7.0, rank=1):
        self.sent, self.rank, self.roots = sent, rank, []

    def Get_rank(self):  # noqa: N802  (mpi4py's names)
        return self.rank

    def Get_size(self):  # noqa: N802
        return 2

    def Bcast(self, buffer, root=0):  # noqa: N802
        self.roots.append(root)
        buffer[...] = self.sent

    def bcast(self, obj, root=0):
        self.roots.append(root)
        return obj if root == self.rank else self.sent


def test_one_process_collectives_give_back_their_input():
    comm, buffer = Comm(None), np.arange(3.0)
    assert comm.bcast_(buffer) is buffer and comm.allreduce_sum_(buffer) is buffer
    np.testing.assert_array_equal(buffer, [0, 1, 2])
    assert comm.bcast("run") == "run" and comm.allgather(4) == [4]
    assert (comm.rank, comm.size, comm.is_root) == (0, 1, True)


def test_broadcasts_come_from_rank_0_by_default():
    mpi = Recorded()
    comm = Comm(mpi)
    assert (comm.rank, comm.size, comm.is_root) == (1, 2, False)
    buffer = np.zeros(2)
    comm.bcast_(buffer)
    np.testing.assert_array_equal(buffer, [7, 7])
    assert comm.bcast("mine") == 7.0
    assert mpi.roots == [0, 0]
    assert Comm(Recorded(rank=0)).bcast("mine") == "mine"  # the root keeps its own


class PairFromRank1(Comm):
    """Rank 0 of a pretend pair whose broadcasts bring rank 1's values (0.5 everywhere)."""

    def __init__(self):
        super().__init__(None)
        self.size, self.roots = 2, []

    def bcast_(self, buffer, root=0):
        self.roots.append(root)
        buffer[...] = 0.5 if root == 1 else -1.0
        return buffer


@pytest.mark.parametrize("how", ["broadcast_parameters", "DataParallel"])
def test_the_weights_of_the_root_a_user_names(how):
    comm = PairFromRank1()
    model = MLP([3, 4, 2], rng=np.random.default_rng(0), dtype=np.float64)
    if how == "broadcast_parameters":
        broadcast_parameters(model, root=1, comm=comm)
    else:
        DataParallel(model, comm, root=1)
    assert comm.roots and set(comm.roots) == {1}
    assert all(np.all(v == 0.5) for v in model.state_dict().values())
