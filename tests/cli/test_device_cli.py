"""``--device`` of ``train``, ``eval`` and ``predict``: cpu works end to end; cuda without CuPy or
without a GPU is one line, exit status 2, nothing written; an unknown name is a usage error
listing the valid ones. CuPy without a GPU is played by a stand-in module (``fake_cupy``)."""

import sys

import numpy as np
import pytest
from device_helpers import fake_cupy

from scratchdl import checkpoint, data

TRAIN = ["--model", "mlp", "--hidden", "16", "--epochs", "1", "--no-progress"]


def no_cupy(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # `import cupy` raises ModuleNotFoundError


def one_line_error(result, command, *needles):
    status, stdout, stderr = result
    assert status == 2
    assert stdout == ""
    assert stderr.count("\n") == 1 and stderr.startswith(f"scratchdl {command}: error: ")
    for needle in needles:
        assert needle in stderr, (needle, stderr)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    from scratchdl.cli import main

    out = tmp_path_factory.mktemp("device") / "run"
    assert main(["train", *TRAIN, "--out", str(out), "--device", "cpu"]) == 0
    return out


def refuse_data(monkeypatch):
    """The device is checked before any data is read (or downloaded into the cache)."""

    def load_splits(*args, **kwargs):
        raise AssertionError("data loaded before the device was checked")

    monkeypatch.setattr(data, "load_splits", load_splits)


def files(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.mark.parametrize("command", ["train", "eval", "predict"])
def test_unknown_device_is_a_usage_error_listing_the_valid_ones(cli, tmp_path, command):
    args = {"train": [], "eval": [tmp_path], "predict": [tmp_path, "x.png"]}[command]
    one_line_error(cli(command, *args, "--device", "tpu"), command,
                   "argument --device: invalid choice: 'tpu' (choose from 'cpu', 'cuda')")


def test_train_cuda_without_cupy_writes_nothing(cli, tmp_path, monkeypatch):
    no_cupy(monkeypatch)
    refuse_data(monkeypatch)
    out = tmp_path / "run"
    one_line_error(cli("train", *TRAIN, "--out", out, "--device", "cuda"), "train",
                   "CuPy is not installed", "pip install cupy-cuda12x")
    assert not out.exists()


@pytest.mark.parametrize("count, error", [(0, None), (None, RuntimeError("cudaErrorNoDevice"))])
def test_train_cuda_without_a_gpu_writes_nothing(cli, tmp_path, monkeypatch, count, error):
    fake_cupy(monkeypatch, count=count, error=error)
    refuse_data(monkeypatch)
    out = tmp_path / "run"
    one_line_error(cli("train", *TRAIN, "--out", out, "--device", "cuda"), "train",
                   "CuPy is installed but finds no", "nvidia-smi")
    assert not out.exists()


def test_resume_on_cuda_without_cupy_leaves_the_run_as_it_was(cli, run_dir, monkeypatch):
    before = files(run_dir)
    no_cupy(monkeypatch)
    one_line_error(cli("train", "--resume", run_dir, "--epochs", "2", "--device", "cuda"), "train",
                   "CuPy is not installed")
    assert files(run_dir) == before


@pytest.mark.parametrize("command", ["eval", "predict"])
def test_eval_and_predict_on_cuda_without_cupy(cli, run_dir, tmp_path, monkeypatch, command):
    np.save(tmp_path / "x.npy", np.zeros((8, 8)))
    args = [run_dir] + ([tmp_path / "x.npy"] if command == "predict" else [])
    no_cupy(monkeypatch)
    one_line_error(cli(command, *args, "--device", "cuda"), command, "CuPy is not installed")


def test_cpu_is_the_default_and_the_device_may_change_on_resume(cli, run_dir, tmp_path):
    """The device is not an option of the run: a run continues on another device (the
    checkpoint holds host arrays); cpu given or not, the numbers are the same."""
    status, stdout, _ = cli("eval", run_dir, "--device", "cpu")
    assert status == 0
    assert stdout == cli("eval", run_dir)[1]
    assert "device" not in checkpoint.read_meta(run_dir)["options"]

    copy = tmp_path / "copy"
    copy.mkdir()
    for name, content in files(run_dir).items():
        (copy / name).write_bytes(content)
    status, _, stderr = cli("train", "--resume", copy, "--epochs", "2", "--device", "cpu", "--no-progress")
    assert status == 0, stderr
    assert len(checkpoint.read_meta(copy)["history"]) == 2

    test = data.load("digits", split="test")
    np.save(tmp_path / "digit.npy", test.x[0, 0])
    cpu = cli("predict", run_dir, tmp_path / "digit.npy", "--device", "cpu")
    assert cpu[0] == 0 and cpu[1] == cli("predict", run_dir, tmp_path / "digit.npy")[1]
