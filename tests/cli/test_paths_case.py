"""A file's suffix in any case: ``MINE.NPZ`` is a dataset file and ``DIGIT.NPY`` an array, as their
lower-case names are (cameras and Windows tools write ``.PNG``, ``.NPZ``, ``.Npy``)."""

import numpy as np
import pytest
from PIL import Image

from scratchdl import data

CASES = ["npz", "NPZ", "Npz", "nPZ"]


def write_npz(path, n=24, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 1, 8, 8)).astype(np.float32)
    with open(path, "wb") as f:  # np.savez(name) would add ".npz" to a name ending in ".NPZ"
        np.savez(f, x_train=x, t_train=rng.integers(0, 3, n), x_test=x[:6], t_test=rng.integers(0, 3, 6))
    return path


@pytest.mark.parametrize("suffix", CASES)
def test_a_missing_dataset_file_is_named_whatever_the_case_of_its_suffix(cli, tmp_path, monkeypatch, suffix):
    """The path check sees a file (not an unknown dataset name) and says it is missing, before any work."""
    monkeypatch.chdir(tmp_path)
    status, out, err = cli("train", "--dataset", f"mine.{suffix}", "--out", "new")
    assert status == 2 and out == ""
    assert err.strip() == f"scratchdl train: error: --dataset mine.{suffix}: no such file"
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("suffix", CASES)
def test_a_dataset_file_trains_whatever_the_case_of_its_suffix(cli, tmp_path, suffix):
    path = write_npz(tmp_path / f"mine.{suffix}")
    train = data.load(str(path))
    assert len(train) == 24 and train.num_classes == 3
    status, out, err = cli("train", "--model", "mlp", "--hidden", "8", "--dataset", path, "--epochs", "1",
                           "--batch-size", "8", "--out", tmp_path / "run", "--no-progress")
    assert status == 0, err
    assert "test accuracy" in out and (tmp_path / "run" / "checkpoint.json").is_file()


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from scratchdl.cli import main

    out = tmp_path_factory.mktemp("case") / "run"
    assert main(["train", "--model", "mlp", "--hidden", "16", "--epochs", "1", "--out", str(out),
                 "--no-progress"]) == 0
    return out


def digit():
    return data.load("digits", split="test").x[0, 0].astype(np.float64)


@pytest.mark.parametrize("suffix", ["npy", "NPY", "Npy"])
def test_predict_reads_an_array_whatever_the_case_of_its_suffix(cli, run, tmp_path, suffix):
    """An array file is read as an array (np.save writes the bytes whatever the name); as an image it
    would not be readable at all."""
    path = tmp_path / f"digit.{suffix}"
    with open(path, "wb") as f:
        np.save(f, digit())
    lower = tmp_path / "digit.npy"
    np.save(lower, digit())
    status, out, err = cli("predict", run, path, lower)
    assert status == 0, err
    first, second = out.strip().splitlines()
    assert first.split(": ", 1)[1] == second.split(": ", 1)[1]  # the same class and probability


@pytest.mark.parametrize("suffix", ["png", "PNG", "Png"])
def test_predict_reads_an_image_whatever_the_case_of_its_suffix(cli, run, tmp_path, suffix):
    pixels = (digit() / 16 * 255).round().astype(np.uint8)
    Image.fromarray(pixels).resize((32, 32), Image.NEAREST).save(tmp_path / f"digit.{suffix}", format="PNG")
    status, out, err = cli("predict", run, tmp_path / f"digit.{suffix}")
    assert status == 0, err
    assert "class " in out
