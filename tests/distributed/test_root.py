"""Work rank 0 does for the job, seen from the other ranks, in one process: a pretend rank 1 whose
non-blocking broadcast brings rank 0's status."""

import numpy as np
import pytest

from scratchdl.distributed import Comm, RankRunner, RootFailed, root_first, run_on_root
from scratchdl.errors import ConfigError


class Request:
    def __init__(self, tests_until_done=2):
        self.left = tests_until_done

    def Test(self):  # noqa: N802  (mpi4py's name)
        self.left -= 1
        return self.left <= 0


class RootSays:
    """mpi4py's communicator as rank 1 sees it: ``Ibcast`` brings rank 0's status."""

    def __init__(self, status):
        self.status = status

    def Ibcast(self, buffer, root=0):  # noqa: N802
        assert root == 0
        buffer[...] = self.status
        return Request()


class Rank1(Comm):
    def __init__(self, status):
        super().__init__(None)
        self.mpi, self.rank, self.size = RootSays(status), 1, 2

    def allgather(self, obj):  # in setup, rank 0 reports its own failure: (rank, status), else None
        return [(0, int(self.mpi.status)) if self.mpi.status else None, obj]


def test_a_download_that_failed_on_rank_0_stops_rank_1_with_its_status(capsys):
    fetched = []
    with pytest.raises(RootFailed) as failed:
        root_first(Rank1(2), lambda: fetched.append(1))
    assert failed.value.exit_code == 2 and str(failed.value) == "rank 0 failed with status 2"
    assert fetched == []  # rank 1 does not repeat the failed download
    runner = RankRunner(Rank1(2), "scratchdl train")
    assert runner.run(lambda: root_first(runner.comm, lambda: None)) == 2
    assert capsys.readouterr().err == ""  # rank 0 says why, not rank 1


def test_rank_1_reads_what_rank_0_fetched():
    assert root_first(Rank1(0), lambda: "files") == "files"


@pytest.mark.parametrize("status", [0, 3])
def test_a_command_run_by_rank_0_alone_gives_every_rank_its_status(status):
    ran = []
    assert run_on_root(Rank1(status), lambda: ran.append(1) or 0) == status
    assert ran == []
    assert run_on_root(Comm(None), lambda: np.int64(4)) == 4  # one process: runs it


class Rank0Sends:
    def __init__(self):
        self.sent = []

    def Ibcast(self, buffer, root=0):  # noqa: N802
        self.sent.append((buffer.copy(), root))
        return Request(1)


class Rank0(Comm):
    def __init__(self):
        super().__init__(None)
        self.mpi, self.size = Rank0Sends(), 2


@pytest.mark.parametrize("status", [0, 2])
def test_rank_0_runs_the_command_and_sends_its_status(status):
    comm = Rank0()
    assert run_on_root(comm, lambda: status) == status
    ((sent, root),) = comm.mpi.sent
    assert root == 0 and sent.tolist() == [status]


@pytest.mark.parametrize(("error", "status"), [(None, 0), (ConfigError("no such dataset"), 2),
                                               (RuntimeError("network down"), 1), (KeyboardInterrupt(), 130)])
def test_rank_0_fetches_first_and_tells_the_others_how_it_went(error, status):
    comm = Rank0()

    def fetch():
        if error is not None:
            raise error
        return "files"

    if error is None:
        assert root_first(comm, fetch) == "files"
    else:
        with pytest.raises(type(error)):
            root_first(comm, fetch)
    ((sent, root),) = comm.mpi.sent
    assert root == 0 and sent.tolist() == [status]


def test_one_process_fetches_by_itself():
    assert root_first(None, lambda: "files") == "files"
    assert root_first(Comm(None), lambda: "files") == "files"
    assert run_on_root(None, lambda: 3) == 3


class Interrupted:
    """A broadcast that completes on the third test, after a Ctrl-C arrived during the first."""

    def __init__(self, buffer, status):
        self.buffer, self.status, self.tests = buffer, status, 0

    def Test(self):  # noqa: N802
        self.tests += 1
        if self.tests == 1:
            raise KeyboardInterrupt
        if self.tests == 3:
            self.buffer[...] = self.status
        return self.tests >= 3


def test_ctrl_c_while_waiting_for_rank_0_keeps_waiting_for_its_status():
    comm = Rank1(3)
    comm.mpi.Ibcast = lambda buffer, root=0: Interrupted(buffer, 3)
    assert run_on_root(comm, lambda: 0) == 3  # rank 0 deals with Ctrl-C and sends its status
