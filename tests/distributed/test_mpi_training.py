"""``mpiexec -n 2``: the same weights as one process (float32 and float64), resume at another N,
and the README's DataParallel loop."""

from pathlib import Path

import numpy as np
import pytest
from mpi_procs import needs_mpi, run
from safetensors.numpy import load_file

from scratchdl import checkpoint

pytestmark = [needs_mpi, pytest.mark.slow]
WORKER = Path(__file__).with_name("worker.py")
# spiral: 240 training samples; global batch 11 -> shares 5 + 6, last batch 9 -> 4 + 5 (uneven).
TRAIN = ["-m", "scratchdl", "train", "--model", "mlp", "--hidden", "16,16", "--dataset", "spiral",
         "--batch-size", "11", "--scheduler", "none", "--seed", "2", "--no-progress"]


def weights(folder):
    return load_file(str(Path(folder) / checkpoint.read_meta(folder)["weights"]["file"]))


def assert_same(a, b, rtol):
    """Equal within ``rtol``, relative to each value or, for values near 0 (a bias before batch norm,
    whose gradient is rounding noise), to the largest weight of the model."""
    assert a.keys() == b.keys()
    scale = max(float(np.abs(v).max()) for v in a.values())
    for k in a:
        np.testing.assert_allclose(b[k], a[k], rtol=rtol, atol=rtol * scale, err_msg=k)


def train(n, out, *extra):
    result = run(n, *TRAIN, "--out", out, *extra)
    assert result.returncode == 0, result.stderr
    return result


@pytest.mark.parametrize(("dtype", "optimizer", "rtol"),
                         [("float32", "sgd", 1e-5), ("float64", "adam", 1e-12)])
def test_two_processes_end_with_one_process_weights(tmp_path, dtype, optimizer, rtol):
    opts = ["--epochs", "2", "--dtype", dtype, "--optimizer", optimizer]
    one = train(0, tmp_path / "one", *opts)
    two = train(2, tmp_path / "two", *opts)
    assert_same(weights(tmp_path / "one"), weights(tmp_path / "two"), rtol)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one", "two"]  # one run folder, by rank 0
    assert two.stdout.count("test accuracy") == 1 and two.stderr == ""
    h1, h2 = (checkpoint.read_meta(tmp_path / d)["history"] for d in ("one", "two"))
    for r1, r2 in zip(h1, h2, strict=True):  # metrics summed over the ranks
        assert r1["train_accuracy"] == r2["train_accuracy"] and r1["test_accuracy"] == r2["test_accuracy"]
        assert r2["train_loss"] == pytest.approx(r1["train_loss"], rel=1e-5)
        assert r2["test_loss"] == pytest.approx(r1["test_loss"], rel=1e-5)
    assert one.stdout.splitlines()[-1].split(" on ")[0] == two.stdout.splitlines()[-1].split(" on ")[0]


def test_resume_with_another_number_of_processes(tmp_path):
    opts = ["--optimizer", "momentum"]
    train(0, tmp_path / "ref", *opts, "--epochs", "3")
    out = tmp_path / "run"
    train(2, out, *opts, "--epochs", "1")
    train(0, out, "--resume", out, "--epochs", "2")  # saved at N = 2, continued at N = 1 ...
    resumed = train(2, out, "--resume", out, "--epochs", "3")  # ... and at N = 2 again
    assert resumed.stdout.startswith(f"resuming {out} at epoch 3, step 0")
    assert_same(weights(tmp_path / "ref"), weights(out), 1e-5)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_data_parallel_wrapper_loop(tmp_path, dtype):
    for n in (0, 2):
        result = run(n, WORKER, "dp", tmp_path / f"{n}.npz", dtype)
        assert result.returncode == 0, result.stderr
    one, two = (dict(np.load(tmp_path / f"{n}.npz")) for n in (0, 2))
    assert_same(one, two, 1e-5 if dtype == "float32" else 1e-12)


def test_sync_batchnorm_equals_one_process(tmp_path):
    opts = ["--epochs", "2", "--dtype", "float64", "--optimizer", "sgd", "--batchnorm"]
    train(0, tmp_path / "one", *opts)
    train(2, tmp_path / "two", *opts, "--sync-batchnorm")
    assert_same(weights(tmp_path / "one"), weights(tmp_path / "two"), 1e-10)
