"""Under ``mpiexec -n 2``: commands other than train run once, on rank 0, and the job exits with their
status; train says and records its process count, warns of more processes than cores, and fetches
mnist once, on rank 0, before the other rank reads the same files."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from mpi_procs import command, env, needs_mpi, run

from scratchdl import checkpoint, data
from scratchdl.cli import main

pytestmark = [needs_mpi, pytest.mark.slow]
HERE = Path(__file__).parent
SPIRAL = ["train", "--model", "mlp", "--hidden", "8", "--dataset", "spiral", "--epochs", "2", "--no-progress"]


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A run folder (an MLP on digits, one epoch) and an image for predict."""
    folder = tmp_path_factory.mktemp("mpi-commands")
    out = folder / "run"
    assert main(["train", "--model", "mlp", "--hidden", "16", "--epochs", "1", "--no-progress",
                 "--out", str(out)]) == 0
    np.save(folder / "digit.npy", data.load("digits", split="test").x[0, 0])
    return out, folder / "digit.npy"


def scratchdl(n, *args):
    return run(n, "-m", "scratchdl", *args, timeout=120)


@pytest.mark.parametrize("args", [["eval", "RUN"], ["predict", "RUN", "IMAGE"], ["experiment", "--list"],
                                  ["datasets"]])
def test_commands_other_than_train_print_once(saved, args):
    folder, image = saved
    args = [{"RUN": folder, "IMAGE": image}.get(a, a) for a in args]
    one, two = scratchdl(0, *args), scratchdl(2, *args)
    assert one.returncode == two.returncode == 0, two.stderr
    assert two.stdout == one.stdout and two.stderr == ""


def test_export_writes_once(saved, tmp_path):
    result = scratchdl(2, "export", saved[0], "--out", tmp_path / "model.onnx")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("wrote ") == 1 and result.stderr == ""
    assert [p.name for p in tmp_path.iterdir()] == ["model.onnx"]


def test_a_failing_command_says_it_once_and_the_job_returns_its_status(saved):
    result = scratchdl(2, "eval", saved[0], "--dataset", "spiral")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("scratchdl eval: error: model 'mlp' does not fit dataset 'spiral'")
    assert result.stderr.count("\n") == 1


def test_train_says_and_records_its_process_count(tmp_path):
    result = scratchdl(2, *SPIRAL, "--batch-size", "11", "--out", tmp_path / "run")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "2 processes, global batch 11 = 5 or 6 per process"
    meta = checkpoint.read_meta(tmp_path / "run")
    assert meta["processes"] == 2 and [row["processes"] for row in meta["history"]] == [2, 2]
    assert (tmp_path / "run" / "history.csv").read_text().splitlines()[1].endswith(",2")
    assert scratchdl(0, "train", "--resume", tmp_path / "run", "--epochs", "3").returncode == 0  # alone
    meta = checkpoint.read_meta(tmp_path / "run")
    assert meta["processes"] == 1 and [row["processes"] for row in meta["history"]] == [2, 2, 1]


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs CPU affinity (Linux)")
def test_more_processes_than_cores_is_said_once(tmp_path):
    one_cpu = {min(os.sched_getaffinity(0))}
    result = subprocess.run(command(2, "-m", "scratchdl", *SPIRAL, "--out", tmp_path / "run"), env=env(),
                            capture_output=True, text=True, timeout=120,
                            preexec_fn=lambda: os.sched_setaffinity(0, one_cpu))
    assert result.returncode == 0, result.stderr
    host = __import__("socket").gethostname()
    assert result.stderr == (f"scratchdl train: warning: 2 processes on {host}, which has 1 core: the "
                             "processes take turns on the cores and wait for each other at every step, so "
                             "the job runs slower than with at most one process per core\n")


@pytest.fixture
def mnist_server(tmp_path):
    """A folder of four small MNIST files, standing for the mirror; a cache and a log folder."""
    sys.path.insert(0, str(HERE.parent / "data"))
    try:
        from data_helpers import fake_mnist
    finally:
        sys.path.pop(0)
    fake_mnist(tmp_path / "server", n_train=8, n_test=4, seed=3)
    (tmp_path / "log").mkdir()
    return tmp_path


def train_mnist(folder, out, *extra_env):
    args = ["train", "--dataset", "mnist", "--model", "mlp", "--hidden", "8", "--epochs", "1", "--batch-size",
            "4", "--no-progress", "--out", folder / out]
    return subprocess.run(command(2, HERE / "download_worker.py", folder / "server", folder / "log", *args),
                          env={**env(), "XDG_CACHE_HOME": str(folder / "cache"), **dict(extra_env)},
                          capture_output=True, text=True, timeout=120)


def test_mnist_is_fetched_once_by_rank_zero_and_read_by_both(mnist_server):
    result = train_mnist(mnist_server, "run")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("scratchdl: downloading mnist") == 4
    files = sorted(p.name for p in (mnist_server / "server").iterdir())
    opened = (mnist_server / "log" / "rank-0.txt").read_text().split()
    assert sorted(url.rsplit("/", 1)[1] for url in opened) == files
    assert not (mnist_server / "log" / "rank-1.txt").exists()  # rank 1 opened no URL
    assert sorted(p.name for p in (mnist_server / "cache" / "scratchdl" / "mnist").iterdir()) == files
    history = json.loads((mnist_server / "run" / "history.json").read_text())
    assert history[0]["train_accuracy"] is not None  # both ranks trained on the 8 samples
    again = train_mnist(mnist_server, "again")
    assert again.returncode == 0 and "downloading" not in again.stdout
    assert len((mnist_server / "log" / "rank-0.txt").read_text().split()) == 4  # the cache, read by both


def test_a_failed_download_is_one_line_from_rank_zero(mnist_server):
    result = train_mnist(mnist_server, "run", ("CORRUPT", "train-images-idx3-ubyte.gz"))
    assert result.returncode == 2
    assert result.stderr.startswith("scratchdl train: error: mnist: missing train-images-idx3-ubyte.gz")
    assert result.stderr.count("\n") == 1
    assert not (mnist_server / "log" / "rank-1.txt").exists()
    assert not (mnist_server / "run").exists()
