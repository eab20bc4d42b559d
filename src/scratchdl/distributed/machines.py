"""The machines of a job: how many ranks each runs, against how many cores it lets them use.

More ranks than cores on one machine make the ranks take turns on the cores, and since every step
waits for the slowest rank, the job runs slower than with fewer ranks (``-n 4`` on 2 cores took
8.4 s where one process took 2.7 s): ``crowded_machines`` finds such machines, with one allgather.
A machine's cores are the union of its ranks' CPU affinity (a launcher that binds each rank to one
core gives each a different one; a container's CPU set limits all of them).
"""

from __future__ import annotations

import os
import socket


def usable_cores() -> set[int]:
    """The CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return set(os.sched_getaffinity(0))
    return set(range(os.cpu_count() or 1))


def crowded_machines(comm) -> list[tuple[str, int, int]]:
    """``(host, ranks, cores)`` for each machine that runs more ranks than it has cores; every rank
    must call it (one collective)."""
    machines: dict[str, tuple[int, set[int]]] = {}
    for host, cores in comm.allgather((socket.gethostname(), usable_cores())):
        ranks, known = machines.get(host, (0, set()))
        machines[host] = (ranks + 1, known | cores)
    return [(host, ranks, len(cores)) for host, (ranks, cores) in sorted(machines.items())
            if ranks > len(cores)]


def crowding_warning(crowded: list[tuple[str, int, int]]) -> str | None:
    """One line about the crowded machines, or None."""
    if not crowded:
        return None
    where = ", ".join(f"{ranks} processes on {host}, which has {cores} core{'s' if cores > 1 else ''}"
                      for host, ranks, cores in crowded)
    return (f"{where}: the processes take turns on the cores and wait for each other at every step, "
            "so the job runs slower than with at most one process per core")
