"""Work that rank 0 does for the whole job: a command it runs alone, files it fetches for the others.

``run_on_root(comm, run)``: ``scratchdl eval``, ``predict``, ``export``, ... under ``mpiexec -n N``
run once, on rank 0; the other ranks wait for it without spinning (a non-blocking broadcast, tested
every ``POLL_S`` seconds, so rank 0 has the machine's cores) and return its exit status, so that
``mpiexec`` returns it too. ``root_first(comm, fetch)``: rank 0 calls ``fetch()`` (a download into
the cache), then the others do, and find the files in place; if it fails on rank 0, the others
raise ``RootFailed`` with rank 0's status instead of repeating it, and ``RankRunner`` lets rank 0
say why.
"""

from __future__ import annotations

import time

import numpy as np

POLL_S = 0.05


class RootFailed(Exception):
    """Rank 0 failed the work the other ranks were waiting for; they stop with its status."""

    def __init__(self, exit_code: int):
        super().__init__(f"rank 0 failed with status {exit_code}")
        self.exit_code = exit_code


def _wait(request) -> None:
    """Until ``request`` completes. Ctrl-C reaches every rank of the job: rank 0 deals with it and
    sends its status, which the others keep waiting for."""
    while True:
        try:
            while not request.Test():
                time.sleep(POLL_S)
            return
        except KeyboardInterrupt:
            continue


def run_on_root(comm, run) -> int:
    """``run()`` (an exit status) on rank 0 alone; every rank returns its status. If ``run`` raises
    on rank 0, the other ranks are released with status 1 before the error goes on."""
    if comm is None or comm.size == 1:
        return run()
    status = np.ones(1, dtype=np.int64)
    try:
        if comm.is_root:
            status[0] = run()
    finally:
        _wait(comm.mpi.Ibcast(status, root=0))
    return int(status[0])


def root_first(comm, fetch):
    """``fetch()`` on rank 0, then on the other ranks (which find what rank 0 fetched); returns its value."""
    if comm is None or comm.size == 1:
        return fetch()
    from .launch import exit_code

    status = np.zeros(1, dtype=np.int64)
    if comm.is_root:
        try:
            result = fetch()
        except BaseException as e:
            status[0] = exit_code(e) or 1
            raise
        finally:
            _wait(comm.mpi.Ibcast(status, root=0))
        return result
    _wait(comm.mpi.Ibcast(status, root=0))
    if status[0]:
        raise RootFailed(int(status[0]))
    return fetch()
