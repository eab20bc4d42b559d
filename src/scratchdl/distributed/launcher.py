"""Which launcher started this process, and whether the MPI that mpi4py uses can join it.

A launcher (``mpiexec``, ``mpirun``, ``srun``) tells each process it starts how many there are in
environment variables: MPICH's and Intel MPI's Hydra set ``PMI_SIZE``/``PMI_RANK``, Open MPI's
``mpirun`` sets ``OMPI_COMM_WORLD_SIZE``/``OMPI_COMM_WORLD_RANK`` (and ``PMIX_*``), Slurm's ``srun``
sets ``SLURM_STEP_NUM_TASKS``/``SLURM_PROCID`` in each task of a step. Only an MPI library of the same
family can join the processes into one ``MPI_COMM_WORLD``: MPICH's library under Open MPI's
``mpirun`` fails in ``MPI_Init`` ("unsupported PMI version", exit 16), and Open MPI's under Hydra
starts each process as a world of its own, so that N copies would each train alone, into one folder.

``mismatch_before_init`` compares the launcher's family with the library's
(``MPI.Get_library_version()``, which may be called before ``MPI_Init``); ``mismatch_after_init``
compares the counts once MPI runs (for the cases a family cannot tell: Slurm, other launchers). Both
return a one-line explanation with the fix, or None.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

# How to build mpi4py against the MPI of the machine (its mpicc on PATH), instead of the wheel's.
SYSTEM_MPI_HINT = "pip install --no-binary mpi4py mpi4py"


@dataclass(frozen=True)
class Launcher:
    """What the launcher's environment says: its family, the job's process count and this rank."""

    family: str  # "Open MPI", "Hydra" (MPICH, Intel MPI), "Slurm"
    size: int
    rank: int
    evidence: str  # the variable that says so, e.g. "OMPI_COMM_WORLD_SIZE=2"

    def describe(self) -> str:
        names = {"Open MPI": "Open MPI's mpirun", "Hydra": "MPICH's or Intel MPI's mpiexec",
                 "Slurm": "Slurm's srun"}
        return f"{names[self.family]} ({self.evidence})"

    def command(self) -> str:
        """How to start the same job again: ``mpiexec -n 2`` (``srun -n 2`` under Slurm)."""
        return f"{'srun' if self.family == 'Slurm' else 'mpiexec'} -n {self.size}"


# (family, size variable, rank variable), in the order they are believed: an mpiexec run inside a
# Slurm allocation keeps the allocation's SLURM_* variables, so the MPI launchers' come first.
_VARIABLES = (("Open MPI", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK"),
              ("Hydra", "PMI_SIZE", "PMI_RANK"),
              ("Slurm", "SLURM_STEP_NUM_TASKS", "SLURM_PROCID"))


def launcher(environ=None) -> Launcher | None:
    """The launcher that started this process, from its environment; None when none did.

    ``srun --mpi=pmi2`` sets ``PMI_SIZE`` too: PMI variables that repeat the step's own count and
    rank are Slurm's (whose tasks either family of MPI may join), not Hydra's.
    """
    environ = os.environ if environ is None else environ
    step = (environ.get("SLURM_STEP_NUM_TASKS"), environ.get("SLURM_PROCID"))
    for family, size_var, rank_var in _VARIABLES:
        size, rank = environ.get(size_var, ""), environ.get(rank_var, "0")
        if size.isdigit() and rank.isdigit():
            if family == "Hydra" and step == (size, rank):
                family = "Slurm"
            return Launcher(family, int(size), int(rank), f"{size_var}={size}")
    return None


def launcher_size(environ=None) -> int:
    """The number of processes the launcher started, from its environment (1 if none)."""
    found = launcher(environ)
    return found.size if found else 1


def launcher_rank(environ=None) -> int:
    """This process's rank as the launcher's environment gives it (0 if none)."""
    found = launcher(environ)
    return found.rank if found else 0


def library_name(version_text: str) -> str:
    """``MPI.Get_library_version()`` in a few words: ``MPICH 5.0.2``, ``Open MPI v4.1.4``, ..."""
    first = next((line for line in version_text.splitlines() if line.strip()), "an unknown MPI")
    return " ".join(first.split(",")[0].replace("Version:", "").split())


def _fix(library: str) -> str:
    """The two ways out: the launcher of mpi4py's MPI, or mpi4py built for the launcher's MPI."""
    beside = Path(sys.executable).parent / "mpiexec"
    if library.startswith("Open MPI"):
        matching = f"the mpirun of {library}"
    elif beside.exists():
        matching = f"the mpiexec of this Python environment ({beside})"
    else:
        matching = f"the mpiexec of {library} (activate the environment that holds mpi4py)"
    return (f"start the job with {matching}, or install mpi4py against the launcher's MPI (its mpicc "
            f"on PATH): {SYSTEM_MPI_HINT}")


def mismatch_before_init(launcher: Launcher | None, library: str) -> str | None:
    """Why ``library`` cannot join ``launcher``'s processes, when their families say so; else None."""
    if launcher is None or launcher.size <= 1:
        return None
    open_mpi_library = library.startswith("Open MPI")
    if launcher.family == "Open MPI" and not open_mpi_library:
        why = "which cannot join Open MPI's processes"
    elif launcher.family == "Hydra" and open_mpi_library:
        why = "which would start each process as a job of its own"
    else:
        return None
    return (f"{launcher.describe()} started {launcher.size} processes, but mpi4py uses {library}, {why}; "
            f"{_fix(library)}")


def mismatch_after_init(launcher: Launcher | None, library: str, size: int, rank: int) -> str | None:
    """Why the world MPI built (``size`` processes, this one ``rank``) is not the launcher's; else None."""
    if launcher is None or launcher.size <= 1 or (size, rank) == (launcher.size, launcher.rank):
        return None
    sees = f"sees {size} process{'es' if size > 1 else ''}"
    if size == launcher.size:
        sees = f"gives this process rank {rank} where the launcher says {launcher.rank}"
    return (f"{launcher.describe()} started {launcher.size} processes, but MPI ({library}, the library "
            f"mpi4py uses) {sees}: the launcher and mpi4py belong to different MPIs, and each process "
            f"would train on its own; {_fix(library)}")
