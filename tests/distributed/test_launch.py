"""Faults under ``mpiexec -n 2``: a rank that raises or is killed ends the whole job, quickly, with
one line; bad launches are one line and status 2; the last checkpoint of a killed job resumes."""

import os
import re
import signal
import sys
import time
import types
from pathlib import Path

import pytest
from mpi_procs import needs_mpi, popen, rank_pid, run

from scratchdl import checkpoint, distributed
from scratchdl.cli import main
from scratchdl.distributed import comm as comm_module
from scratchdl.errors import ConfigError

WORKER = Path(__file__).with_name("worker.py")
TRAIN = ["-m", "scratchdl", "train", "--model", "mlp", "--hidden", "16", "--dataset", "spiral",
         "--optimizer", "sgd", "--scheduler", "none", "--no-progress"]


def our_lines(stderr: str, prefix: str) -> list[str]:
    """stderr's lines from scratchdl (MPI adds its own 'Abort(...)' line on an abort)."""
    return [line for line in stderr.splitlines() if line.startswith(prefix)]


@needs_mpi
def test_a_rank_that_raises_ends_the_job_with_one_line():
    started = time.monotonic()
    result = run(2, WORKER, "raise", 5, timeout=60)
    assert time.monotonic() - started < 30
    assert result.returncode == 2, result.stderr
    lines = our_lines(result.stderr, "worker:")
    assert lines == ["worker: error on rank 1 of 2: No space left on device: /full/disk/checkpoint.json"]


@needs_mpi
def test_rank_zero_failing_to_write_ends_the_job(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    started = time.monotonic()
    result = run(2, *TRAIN, "--epochs", "2", "--batch-size", "8", "--out", tmp_path / "file" / "run",
                 timeout=60)
    assert time.monotonic() - started < 30
    assert result.returncode == 2
    assert len(our_lines(result.stderr, "scratchdl train: error")) == 1, result.stderr


@needs_mpi
def test_divergence_is_seen_by_every_rank_at_once_and_said_once(tmp_path):
    result = run(2, *TRAIN, "--lr", "1e30", "--batch-size", "8", "--out", tmp_path / "run", timeout=60)
    assert result.returncode == 2
    line = (r"scratchdl train: error: loss became (nan|inf) at epoch 1, step \d+; stopped before "
            r"applying that step; no checkpoint had been saved yet\n")
    assert re.fullmatch(line, result.stderr), result.stderr


@needs_mpi
def test_batch_size_smaller_than_the_world_is_one_line(tmp_path):
    result = run(2, *TRAIN, "--batch-size", "1", "--out", tmp_path / "run")
    assert result.returncode == 2
    assert result.stderr.strip() == ("scratchdl train: error: --batch-size 1 is smaller than the 2 processes: "  # noqa: E501
                                     "it is the global batch, split among them; use at least 2")
    assert not (tmp_path / "run").exists()
    result = run(2, *TRAIN, "--lr", "-1")  # argparse's errors too: every rank parses, rank 0 says it
    assert result.returncode == 2
    assert result.stderr == "scratchdl train: error: argument --lr: must be > 0, got -1\n"


def wait_for_checkpoint(job, out, min_step: int = 0, seconds: float = 60) -> None:
    """Wait until the running ``job`` has saved a checkpoint of at least ``min_step`` steps in ``out``."""
    deadline = time.monotonic() + seconds
    while not (checkpoint.is_checkpoint(out) and checkpoint.read_meta(out)["global_step"] >= min_step):
        assert job.poll() is None and time.monotonic() < deadline, job.communicate()
        time.sleep(0.2)


@needs_mpi
@pytest.mark.slow
def test_killed_rank_ends_the_job_and_the_last_checkpoint_resumes(tmp_path):
    out = tmp_path / "run"
    job = popen(2, *TRAIN, "--epochs", "10000", "--batch-size", "8", "--checkpoint-every", "1", "--out", out)
    try:
        wait_for_checkpoint(job, out, min_step=10)
        pid = rank_pid(job.pid, 1)
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()
        job.wait(timeout=30)
        assert time.monotonic() - killed < 30 and job.returncode != 0
    finally:
        if job.poll() is None:
            os.killpg(job.pid, signal.SIGKILL)
        job.communicate()
    saved = checkpoint.load(out)
    epoch = saved.meta["progress"]["epoch"]
    result = run(2, *TRAIN, "--resume", out, "--epochs", epoch + 1)
    assert result.returncode == 0, result.stderr
    meta = checkpoint.read_meta(out)
    assert meta["finished"] and meta["progress"]["epoch"] == epoch + 1
    assert meta["global_step"] == (epoch + 1) * 30  # spiral: 240 samples, 30 batches of 8


@needs_mpi
def test_ctrl_c_stops_every_rank_at_the_same_step_and_saves(tmp_path):
    out = tmp_path / "run"
    job = popen(2, *TRAIN, "--epochs", "10000", "--batch-size", "8", "--checkpoint-every", "5", "--out", out)
    try:
        wait_for_checkpoint(job, out)
        job.send_signal(signal.SIGINT)  # mpiexec forwards it to every rank
        stdout, _ = job.communicate(timeout=30)
    finally:
        if job.poll() is None:
            os.killpg(job.pid, signal.SIGKILL)
    assert job.returncode == 130
    assert stdout.count("interrupted at epoch") == 1
    meta = checkpoint.read_meta(out)
    progress = meta["progress"]
    assert not meta["finished"] and meta["global_step"] == progress["epoch"] * 30 + progress["step"]
    assert f"step {meta['progress']['step']};" in stdout
    assert stdout.rstrip().endswith(f"continue with: mpiexec -n 2 scratchdl train --resume {out}")


@pytest.fixture
def no_mpi4py(monkeypatch):
    """This process as if mpi4py were not installed, and no world chosen yet."""
    monkeypatch.setitem(__import__("sys").modules, "mpi4py", None)
    monkeypatch.setattr(comm_module, "_world", None)
    for name in ("PMI_SIZE", "PMI_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK",
                 "SLURM_STEP_NUM_TASKS"):
        monkeypatch.delenv(name, raising=False)
    yield monkeypatch
    comm_module._world = None


def test_distributed_flag_without_mpi4py_says_how_to_install(no_mpi4py, capsys):
    assert main(["train", "--distributed", "--dataset", "spiral", "--model", "mlp"]) == 2
    err = capsys.readouterr().err
    assert err == f"scratchdl train: error: --distributed needs MPI but mpi4py is not installed: " \
                  f"{distributed.INSTALL_HINT}\n"


def test_launched_by_mpiexec_without_mpi4py(no_mpi4py, capsys):
    no_mpi4py.setenv("PMI_SIZE", "2")
    no_mpi4py.setenv("PMI_RANK", "0")
    assert main(["train", "--dataset", "spiral", "--model", "mlp"]) == 2
    err = capsys.readouterr().err
    assert "launched under MPI with 2 processes but mpi4py is not installed: pip install" in err
    no_mpi4py.setenv("PMI_RANK", "1")
    assert main(["train", "--dataset", "spiral", "--model", "mlp"]) == 2
    assert capsys.readouterr().err == ""  # rank 0 says it, once


def test_one_process_needs_no_mpi(no_mpi4py):
    world = distributed.world()
    assert (world.rank, world.size) == (0, 1)
    assert world.allgather("x") == ["x"] and world.bcast(3) == 3



class Rank1Of2(distributed.Comm):
    """Rank 1 of a pretend pair whose rank 0 failed its setup with status 2 (what allgather brings)."""

    def __init__(self):
        super().__init__(None)
        self.rank, self.size = 1, 2

    def allgather(self, obj):
        return [(0, 2), obj]


def test_a_rank_whose_setup_passed_stops_quietly_with_the_failed_ranks_status(capsys):
    runner = distributed.RankRunner(Rank1Of2(), "scratchdl train")
    trained = []

    def main():
        runner.ready()
        trained.append(1)
        return 0

    assert runner.run(main) == 2
    assert trained == [] and capsys.readouterr().err == ""  # rank 0 says why


def test_abort_in_one_process_exits_with_the_status():
    with pytest.raises(SystemExit) as stopped:
        distributed.Comm(None).abort(3)
    assert stopped.value.code == 3
    with pytest.raises(SystemExit) as stopped:
        distributed.Comm(None).abort()
    assert stopped.value.code == 1


@pytest.mark.parametrize(("error", "status", "line"), [
    (ConfigError("--batch-size: must be positive"), 2, "--batch-size: must be positive"),
    (PermissionError(13, "Permission denied", "/runs/MAX"), 2, "Permission denied: /runs/MAX"),
    (OSError(28, "No space left on device"), 2, "No space left on device"),
    (KeyboardInterrupt(), 130, "KeyboardInterrupt"),
    (RuntimeError("boom"), 1, "RuntimeError: boom"),
    (RuntimeError(), 1, "RuntimeError"),
])
def test_an_error_is_one_line_and_the_commands_status(error, status, line, capsys):
    """What a rank's error becomes: the status of the CLI's convention (2: the user's to fix, 130:
    Ctrl-C, 1: a crash) and one line without a traceback."""

    def main():
        raise error

    assert distributed.RankRunner(distributed.Comm(None), "scratchdl train").run(main) == status
    assert capsys.readouterr().err == f"scratchdl train: error: {line}\n"


def test_the_world_is_chosen_once_and_chosen_again_when_mpi_is_required(no_mpi4py):
    first = distributed.world()
    assert distributed.world() is first  # a plain run decides once
    with pytest.raises(distributed.MPIUnavailable, match="--distributed needs MPI but mpi4py is not"):
        distributed.world(required=True)  # --distributed: a world of one is not enough
    pair = distributed.Comm(None)
    pair.size = 2
    comm_module._world = pair
    assert distributed.world(required=True) is pair  # a world of several processes is kept


def test_a_launcher_of_one_process_needs_no_mpi(no_mpi4py):
    no_mpi4py.setenv("PMI_SIZE", "1")
    assert distributed.world().size == 1
    with pytest.raises(distributed.MPIUnavailable) as info:
        comm_module._initialized_mpi(distributed.launcher())
    assert str(info.value).startswith("--distributed needs MPI but mpi4py is not installed")


class BrokenMPI(types.ModuleType):
    """mpi4py whose ``MPI`` module cannot load a library (its wheel without an MPI on the machine)."""

    def __init__(self, message):
        super().__init__("mpi4py")
        self.rc = types.SimpleNamespace(initialize=True, finalize=None, threads=True)
        self.message = message

    def __getattr__(self, name):
        if name == "MPI":
            raise RuntimeError(self.message)
        raise AttributeError(name)


@pytest.mark.parametrize(("message", "said"), [
    ("cannot load MPI library\ntried: libmpi.so\nlibmpi.so.12: not found", "libmpi.so.12: not found"),
    ("", "RuntimeError"),
])
def test_mpi4py_without_an_mpi_library_says_which_and_how_to_install(monkeypatch, message, said):
    broken = BrokenMPI(message)
    monkeypatch.setitem(sys.modules, "mpi4py", broken)
    monkeypatch.delitem(sys.modules, "mpi4py.MPI", raising=False)
    with pytest.raises(distributed.MPIUnavailable) as info:
        comm_module._initialized_mpi(None)
    assert str(info.value) == f"mpi4py cannot load an MPI library ({said}): {distributed.INSTALL_HINT}"
    # MPI_Init is left for after the launcher check, and a rank that exits finalizes MPI
    assert broken.rc.initialize is False and broken.rc.finalize is True


def test_mpi4py_already_loaded_keeps_its_settings(monkeypatch):
    broken = BrokenMPI("")
    monkeypatch.setitem(sys.modules, "mpi4py", broken)
    monkeypatch.setitem(sys.modules, "mpi4py.MPI", types.ModuleType("mpi4py.MPI"))
    with pytest.raises(distributed.MPIUnavailable):
        comm_module._initialized_mpi(None)
    assert broken.rc.initialize is True and broken.rc.finalize is None
