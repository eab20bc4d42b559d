"""Running one command on every rank so that an error anywhere ends the job cleanly.

Two phases. During *setup* (options, data, model, resume) errors are usually the same on every
rank (a bad option) but may be one rank's own (a file missing on one machine): each rank runs
its setup, then all meet in one ``allgather`` (``RankRunner.ready``); if any rank failed, the
lowest failing rank prints its one line and every rank returns the exit status, with no abort.
During *training* a rank that raises cannot wait for the others (they are inside a collective):
it prints one line naming itself and calls MPI's ``Abort``, which ends every process; ``mpiexec``
exits with that status. An error raised at the same step on every rank (``on_every_rank`` set,
e.g. a diverged loss, which is checked after the all-reduce) is printed by rank 0 alone.
"""

from __future__ import annotations

import sys

from ..errors import ScratchDLError
from .comm import Comm
from .root import RootFailed


class _PeerFailed(Exception):
    """Another rank failed during setup and reports it; this one stops quietly."""

    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


def exit_code(error: BaseException) -> int:
    """The CLI's status for ``error``: 2 for what a user can cause, 130 for Ctrl-C, 1 otherwise
    (rank 0's status, for a rank that waited for rank 0's work)."""
    if isinstance(error, RootFailed):
        return error.exit_code
    if isinstance(error, (ScratchDLError, OSError)):
        return 2
    return 130 if isinstance(error, KeyboardInterrupt) else 1


def one_line(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror}: {error.filename or ''}".rstrip(": ")
    if isinstance(error, ScratchDLError):
        return str(error)
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


class RankRunner:
    """``RankRunner(comm, "scratchdl train").run(main)``: run ``main()`` on every rank; ``main`` calls
    ``runner.ready()`` (on every rank) when its setup is done and training is about to start."""

    def __init__(self, comm: Comm, prefix: str):
        self.comm, self.prefix = comm, prefix
        self.in_setup = True

    def ready(self) -> None:
        """End of setup: raises on every rank when any rank failed its setup."""
        failures = [f for f in self.comm.allgather(None) if f is not None]
        self.in_setup = False
        if failures:
            raise _PeerFailed(failures[0][1])

    def _say(self, message: str) -> None:
        where = f" on rank {self.comm.rank} of {self.comm.size}" if not self.comm.is_root else ""
        print(f"{self.prefix}: error{where}: {message}", file=sys.stderr, flush=True)

    def run(self, main) -> int:
        try:
            return main()
        except _PeerFailed as e:
            return e.code
        except BaseException as e:  # noqa: BLE001  every error must reach the other ranks
            code = exit_code(e)
            if self.in_setup:
                self.in_setup = False
                failures = self.comm.allgather((self.comm.rank, code))
                if next(r for r, f in enumerate(failures) if f is not None) == self.comm.rank:
                    self._say(one_line(e))
                return code
            if getattr(e, "on_every_rank", False):
                if self.comm.is_root:
                    self._say(one_line(e))
                return code
            self._say(one_line(e))
            self.comm.abort(code)
            return code
