"""The world of processes: rank, size and the few collectives data parallelism needs.

``world()`` is MPI's ``COMM_WORLD`` through mpi4py when the program was started by ``mpiexec``
with more than one process, and a world of one process otherwise, so everything runs (as one
process) without mpi4py installed. A collective that one rank never reaches hangs every other
rank in it, so any error on one rank must end all of them: ``abort_on_error`` prints one line and
calls MPI's ``Abort``, which makes ``mpiexec`` end the whole job with that status.
"""

from __future__ import annotations

import contextlib
import sys
import time

import numpy as np

from ..errors import ConfigError
from .launcher import launcher, library_name, mismatch_after_init, mismatch_before_init

ABORT_GRACE_SECONDS = 0.2  # between a rank's last line and MPI_Abort
INSTALL_HINT = "pip install -e '.[mpi]' (or pip install mpi4py mpich)"


class MPIUnavailable(ConfigError):
    """Data parallelism was asked for (or the program was launched by mpiexec) without a usable MPI:
    mpi4py missing, or its MPI not the launcher's (``MPIMismatch``)."""


class MPIMismatch(MPIUnavailable):
    """The launcher started N processes, but the MPI library mpi4py uses cannot join them into one job."""


class Comm:
    """A communicator: ``rank``, ``size`` and sum/broadcast/gather over all its processes.

    ``Comm(None)`` is the world of one process: every collective returns its input.
    """

    def __init__(self, mpi_comm=None):
        self.mpi = mpi_comm
        self.rank = mpi_comm.Get_rank() if mpi_comm is not None else 0
        self.size = mpi_comm.Get_size() if mpi_comm is not None else 1

    @property
    def is_root(self) -> bool:
        return self.rank == 0

    def allreduce_sum_(self, buffer: np.ndarray) -> np.ndarray:
        """Sum a contiguous host array over all ranks, in place: one message, every rank gets the sum."""
        if self.size > 1:
            from mpi4py import MPI

            self.mpi.Allreduce(MPI.IN_PLACE, buffer, op=MPI.SUM)
        return buffer

    def bcast_(self, buffer: np.ndarray, root: int = 0) -> np.ndarray:
        """Overwrite a contiguous host array on every rank with root's, in place."""
        if self.size > 1:
            self.mpi.Bcast(buffer, root=root)
        return buffer

    def bcast(self, obj, root: int = 0):
        """Root's Python object on every rank (small things: a folder name, a flag)."""
        return self.mpi.bcast(obj, root=root) if self.size > 1 else obj

    def allgather(self, obj) -> list:
        """Every rank's Python object, in rank order, on every rank."""
        return self.mpi.allgather(obj) if self.size > 1 else [obj]

    def abort(self, code: int = 1) -> None:
        """End every process of the job with status ``code`` (MPI_Abort); in one process, exit."""
        sys.stdout.flush()
        sys.stderr.flush()
        if self.size > 1:
            # The launcher reads our output from a pipe; MPI_Abort makes it kill everything, and what it
            # has not read by then is lost. A moment lets it forward the line that says why.
            time.sleep(ABORT_GRACE_SECONDS)
            self.mpi.Abort(code)
        raise SystemExit(code)

    @contextlib.contextmanager
    def abort_on_error(self, prefix: str = "scratchdl", code: int = 1):
        """Run the block; if it raises on this rank, print one line naming the rank and end the job.

        Without this, the other ranks would wait forever in their next collective.
        """
        if self.size == 1:
            yield
            return
        try:
            yield
        except BaseException as e:  # noqa: BLE001  any error, Ctrl-C included, must end every rank
            what = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
            print(f"{prefix}: error on rank {self.rank} of {self.size}: {what}", file=sys.stderr)
            self.abort(code)

    def __repr__(self) -> str:
        return f"Comm(rank={self.rank}, size={self.size})"


_world: Comm | None = None


def world(required: bool = False) -> Comm:
    """All processes of this job: MPI's ``COMM_WORLD``, or one process.

    mpi4py is imported only when the launcher's environment says there are several processes
    (or ``required``), so a plain run never pays for MPI's start-up. Launched by ``mpiexec -n N``
    (N > 1) or ``required`` without mpi4py: ``MPIUnavailable`` saying how to install it. Launched by
    a launcher whose MPI is not the one mpi4py uses (``launcher.py``): ``MPIMismatch``, before
    ``MPI_Init`` when the two families tell it, else right after it, on every rank.
    """
    global _world
    if _world is not None and (_world.size > 1 or not required):
        return _world
    started = launcher()
    if (started is None or started.size <= 1) and not required:
        _world = Comm(None)
        return _world
    mpi = _initialized_mpi(started)
    comm = Comm(mpi.COMM_WORLD)
    problem = mismatch_after_init(started, library_name(mpi.Get_library_version()), comm.size, comm.rank)
    if problem:
        raise MPIMismatch(problem)
    _world = comm
    return _world


def _initialized_mpi(started):
    """mpi4py's ``MPI`` module, initialized after its library was checked against the launcher."""
    try:
        import mpi4py
    except ImportError:
        why = (f"launched under MPI with {started.size} processes" if started and started.size > 1
               else "--distributed needs MPI")
        raise MPIUnavailable(f"{why} but mpi4py is not installed: {INSTALL_HINT}") from None
    if "mpi4py.MPI" not in sys.modules:
        mpi4py.rc.initialize = False  # MPI_Init below, once the library is known to fit the launcher
        mpi4py.rc.finalize = True  # a rank that exits without MPI_Finalize makes mpiexec end the others
    try:
        from mpi4py import MPI
    except (ImportError, RuntimeError) as e:  # mpi4py's wheel finds no MPI library
        last = str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__
        raise MPIUnavailable(f"mpi4py cannot load an MPI library ({last}): {INSTALL_HINT}") from None
    if not MPI.Is_initialized():
        problem = mismatch_before_init(started, library_name(MPI.Get_library_version()))
        if problem:
            raise MPIMismatch(problem)
        if mpi4py.rc.threads:  # what mpi4py's own MPI_Init at import would have asked for
            MPI.Init_thread(getattr(MPI, f"THREAD_{str(mpi4py.rc.thread_level).upper()}"))
        else:
            MPI.Init()
    return MPI


def rank() -> int:
    """This process's number in the world, 0 ... size - 1."""
    return world().rank


def size() -> int:
    """The number of processes in the world (1 without mpiexec)."""
    return world().size
