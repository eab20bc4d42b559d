"""Helpers for the MPI tests: ``mpiexec -n N`` of scratchdl in subprocesses, one BLAS thread each."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import scratchdl


def find_mpiexec() -> str | None:
    """``mpiexec`` next to this Python (the mpich wheel installs it there), else on PATH."""
    beside = Path(sys.executable).parent / "mpiexec"
    return str(beside) if beside.exists() else shutil.which("mpiexec")


def have_mpi4py() -> bool:
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return False
    return True


MPIEXEC = find_mpiexec()
needs_mpi = pytest.mark.skipif(MPIEXEC is None or not have_mpi4py(),
                               reason="needs mpiexec and mpi4py: pip install -e '.[mpi]'")


def env() -> dict:
    """This test's scratchdl first on the path, one BLAS thread per rank, no launcher variables."""
    src = str(Path(scratchdl.__file__).parents[1])
    launchers = ("PMI_", "OMPI_", "MPI_", "PMIX_", "SLURM_")
    e = {k: v for k, v in os.environ.items() if not k.startswith(launchers)}
    e.update(PYTHONPATH=os.pathsep.join([src, e.get("PYTHONPATH", "")]).rstrip(os.pathsep),
             OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", MPLBACKEND="Agg",
             OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")  # CI as root, with Open MPI
    return e


def command(n: int, *args) -> list[str]:
    """``python ARGS`` under ``mpiexec -n n``, or alone when ``n`` is 0."""
    python = [sys.executable, *map(str, args)]
    return python if n == 0 else [MPIEXEC, "-n", str(n), *python]


def run(n: int, *args, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(command(n, *args), env=env(), capture_output=True, text=True, timeout=timeout)


def popen(n: int, *args) -> subprocess.Popen:
    return subprocess.Popen(command(n, *args), env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def rank_pid(launcher_pid: int, rank: int) -> int | None:
    """The process id of rank ``rank`` among the descendants of ``mpiexec`` (Linux /proc), or None."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    todo, found = [launcher_pid], []
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    for pid in found:
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"PMI_RANK={rank}".encode() in environ or f"OMPI_COMM_WORLD_RANK={rank}".encode() in environ:
            return pid
    return None
