"""The launcher against mpi4py's MPI: a mismatch stops every process with one line and status 2 before
anything is written, so that no folder ever holds two trainings. The real mismatch needs two MPIs;
here the launcher's environment variables are set around a world of one process, as a launcher of
another MPI leaves it."""

import re
import subprocess
import sys

import pytest
from mpi_procs import env, have_mpi4py

from scratchdl.distributed.launcher import (
    SYSTEM_MPI_HINT,
    Launcher,
    launcher,
    launcher_rank,
    launcher_size,
    library_name,
    mismatch_after_init,
    mismatch_before_init,
)

OPEN_MPI = "Open MPI v4.1.4, package: Debian OpenMPI, ident: 4.1.4, repo rev: v4.1.4, May 26, 2022\n"
MPICH = "MPICH Version:      5.0.2\nMPICH Release date: Fri Sep 25 2026\nMPICH ABI:          18:2:6\n"
HYDRA = Launcher("Hydra", 2, 0, "PMI_SIZE=2")
ORTE = Launcher("Open MPI", 2, 1, "OMPI_COMM_WORLD_SIZE=2")
SRUN = Launcher("Slurm", 4, 3, "SLURM_STEP_NUM_TASKS=4")


@pytest.mark.parametrize(("environ", "expected"), [
    ({}, None),
    ({"PMI_SIZE": "2", "PMI_RANK": "1"}, Launcher("Hydra", 2, 1, "PMI_SIZE=2")),
    ({"OMPI_COMM_WORLD_SIZE": "3", "OMPI_COMM_WORLD_RANK": "2", "PMIX_RANK": "2"},
     Launcher("Open MPI", 3, 2, "OMPI_COMM_WORLD_SIZE=3")),
    ({"SLURM_STEP_NUM_TASKS": "4", "SLURM_PROCID": "3"}, SRUN),
    # mpiexec inside a Slurm allocation: the allocation's variables stay, mpiexec's count
    ({"SLURM_STEP_NUM_TASKS": "1", "SLURM_PROCID": "0", "PMI_SIZE": "2", "PMI_RANK": "0"}, HYDRA),
    ({"SLURM_NTASKS": "4", "SLURM_PROCID": "0"}, None),  # an sbatch script itself is one process
    # srun --mpi=pmi2 sets PMI_* to the step's own count: Slurm, which either MPI may join
    ({"SLURM_STEP_NUM_TASKS": "2", "SLURM_PROCID": "1", "PMI_SIZE": "2", "PMI_RANK": "1"},
     Launcher("Slurm", 2, 1, "PMI_SIZE=2")),
])
def test_the_launcher_is_read_from_its_environment(environ, expected):
    assert launcher(environ) == expected


def test_the_count_and_rank_a_launcher_gives():
    assert (launcher_size({"OMPI_COMM_WORLD_SIZE": "3", "OMPI_COMM_WORLD_RANK": "2"}),
            launcher_rank({"OMPI_COMM_WORLD_SIZE": "3", "OMPI_COMM_WORLD_RANK": "2"})) == (3, 2)
    assert (launcher_size({}), launcher_rank({})) == (1, 0)  # no launcher: one process, rank 0
    assert launcher({"PMI_SIZE": "2"}) == Launcher("Hydra", 2, 0, "PMI_SIZE=2")  # no rank given: rank 0


def test_the_fix_names_the_mpiexec_of_this_environment_when_it_has_one(tmp_path, monkeypatch):
    python = tmp_path / "bin" / "python"
    python.parent.mkdir()
    monkeypatch.setattr(sys, "executable", str(python))
    without = mismatch_before_init(ORTE, "MPICH 5.0.2")
    assert ("start the job with the mpiexec of MPICH 5.0.2 (activate the environment that holds mpi4py), "
            "or install mpi4py") in without
    (python.parent / "mpiexec").touch()
    beside = mismatch_before_init(ORTE, "MPICH 5.0.2")
    assert f"start the job with the mpiexec of this Python environment ({python.parent / 'mpiexec'}), " \
           "or install mpi4py" in beside


def test_library_names():
    assert library_name("") == library_name("\n  \n") == "an unknown MPI"
    assert library_name(MPICH) == "MPICH 5.0.2"
    assert library_name(OPEN_MPI) == "Open MPI v4.1.4"
    intel = "Intel(R) MPI Library 2021.10 for Linux* OS"
    assert library_name(intel + "\n") == intel


def test_the_command_that_starts_the_job_again():
    assert HYDRA.command() == "mpiexec -n 2" and ORTE.command() == "mpiexec -n 2"
    assert SRUN.command() == "srun -n 4"


def test_families_that_cannot_meet_are_told_before_mpi_init():
    message = mismatch_before_init(ORTE, "MPICH 5.0.2")
    assert message.startswith("Open MPI's mpirun (OMPI_COMM_WORLD_SIZE=2) started 2 processes, but mpi4py "
                              "uses MPICH 5.0.2, which cannot join Open MPI's processes; start the job with "
                              "the mpiexec of ")
    assert message.endswith(f"or install mpi4py against the launcher's MPI (its mpicc on PATH): "
                            f"{SYSTEM_MPI_HINT}")
    message = mismatch_before_init(HYDRA, "Open MPI v4.1.4")
    assert message.startswith("MPICH's or Intel MPI's mpiexec (PMI_SIZE=2) started 2 processes, but mpi4py "
                              "uses Open MPI v4.1.4, which would start each process as a job of its own; "
                              "start the job with the mpirun of Open MPI v4.1.4, or install mpi4py")
    assert "\n" not in message
    for fitting in ((HYDRA, "MPICH 5.0.2"), (HYDRA, "Intel(R) MPI Library 2021.10 for Linux* OS"),
                    (ORTE, "Open MPI v5.0.3"), (SRUN, "MPICH 5.0.2"), (SRUN, "Open MPI v4.1.4"),
                    (None, "MPICH 5.0.2"), (Launcher("Open MPI", 1, 0, "OMPI_COMM_WORLD_SIZE=1"), "MPICH")):
        assert mismatch_before_init(*fitting) is None, fitting


def test_a_world_that_is_not_the_launchers_is_told_after_mpi_init():
    assert mismatch_after_init(SRUN, "MPICH 5.0.2", 4, 3) is None
    assert mismatch_after_init(None, "MPICH 5.0.2", 1, 0) is None
    alone = mismatch_after_init(SRUN, "Open MPI v4.1.4", 1, 0)
    assert alone.startswith("Slurm's srun (SLURM_STEP_NUM_TASKS=4) started 4 processes, but MPI (Open MPI "
                            "v4.1.4, the library mpi4py uses) sees 1 process: the launcher and mpi4py belong "
                            "to different MPIs, and each process would train on its own; start the job with")
    two = mismatch_after_init(SRUN, "Open MPI v4.1.4", 2, 0)
    assert "sees 2 processes: the launcher" in two
    alone = Launcher("Hydra", 1, 0, "PMI_SIZE=1")
    assert mismatch_after_init(alone, "MPICH 5.0.2", 2, 1) is None  # a launcher of one: nothing to join
    disagree = mismatch_after_init(SRUN, "MPICH 5.0.2", 4, 0)
    assert "gives this process rank 0 where the launcher says 3" in disagree


def scratchdl(tmp_path, launcher_vars: dict, *args):
    """``scratchdl ARGS``: one process, as if started by a launcher of ``launcher_vars``, in ``tmp_path``."""
    return subprocess.run([sys.executable, "-m", "scratchdl", *map(str, args)], cwd=tmp_path,
                          env={**env(), **launcher_vars}, capture_output=True, text=True, timeout=60)


TRAIN = ["train", "--model", "mlp", "--hidden", "8", "--dataset", "spiral", "--epochs", "1", "--no-progress"]
needs_mpi4py = pytest.mark.skipif(not have_mpi4py(), reason="needs mpi4py: pip install -e '.[mpi]'")


@needs_mpi4py
def test_a_world_of_one_under_a_launcher_of_two_stops_before_writing(tmp_path):
    result = scratchdl(tmp_path, {"PMI_SIZE": "2", "PMI_RANK": "0"}, *TRAIN)
    assert result.returncode == 2 and result.stdout == ""
    line = (r"scratchdl train: error: MPICH's or Intel MPI's mpiexec \(PMI_SIZE=2\) started 2 processes, but "
            r"MPI \((.+), the library mpi4py uses\) sees 1 process: the launcher and mpi4py belong to "
            r"different MPIs, and each process would train on its own; start the job with .+: "
            + re.escape(SYSTEM_MPI_HINT) + "\n")
    assert re.fullmatch(line, result.stderr), result.stderr
    assert list(tmp_path.iterdir()) == []  # no runs/ folder, nothing at all
    other = scratchdl(tmp_path, {"PMI_SIZE": "2", "PMI_RANK": "1"}, *TRAIN, "--out", tmp_path / "run")
    assert (other.returncode, other.stdout, other.stderr) == (2, "", "")  # rank 0 says it, once
    assert list(tmp_path.iterdir()) == []


@needs_mpi4py
def test_open_mpis_launcher_with_another_library_stops_before_mpi_init(tmp_path):
    result = scratchdl(tmp_path, {"OMPI_COMM_WORLD_SIZE": "2", "OMPI_COMM_WORLD_RANK": "0"}, *TRAIN)
    named = re.search(r"but (?:mpi4py uses |MPI \()(.+?)[,)]", result.stderr)
    assert named, result.stderr
    library = named.group(1)
    if library.startswith("Open MPI"):
        pytest.skip("mpi4py uses Open MPI here: its launcher fits")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith(f"scratchdl train: error: Open MPI's mpirun (OMPI_COMM_WORLD_SIZE=2) "
                                    f"started 2 processes, but mpi4py uses {library}, which cannot join Open "
                                    "MPI's processes; start the job with ")
    assert result.stderr.count("\n") == 1  # not MPICH's error stack from a failed MPI_Init (exit 16)
    assert list(tmp_path.iterdir()) == []
