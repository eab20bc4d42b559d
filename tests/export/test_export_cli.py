"""`scratchdl train` then `scratchdl export`: ONNX Runtime predicts what `scratchdl predict` prints; bad
run folders and unwritable --out paths are one line and exit 2, with nothing written."""

from __future__ import annotations

import re

import numpy as np
import pytest
from export_helpers import session
from PIL import Image

from scratchdl import checkpoint, data, models
from scratchdl.cli import main
from scratchdl.cli.inspect_cmds import read_image


@pytest.fixture
def cli(capsys):
    """Run ``scratchdl ARGS`` in this process; returns (status, stdout, stderr)."""

    def run(*args):
        try:
            status = main([str(a) for a in args])
        except SystemExit as e:
            status = e.code
        out, err = capsys.readouterr()
        return status, out, err

    return run


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """A SimpleConvNet trained for one epoch on digits through the CLI."""
    run_dir = tmp_path_factory.mktemp("runs") / "cnn"
    assert main(["train", "--epochs", "1", "--out", str(run_dir), "--no-progress"]) == 0
    return run_dir


@pytest.fixture(scope="module")
def test_digits():
    return data.load_splits("digits", seed=0)[1]


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_onnx_runtime_predicts_what_scratchdl_predict_prints(trained_run, test_digits, tmp_path, cli):
    status, out, err = cli("export", trained_run, "--out", tmp_path / "m.onnx")
    assert status == 0 and err == "" and "wrote" in out
    images = []
    for i in range(6):  # the three kinds of image predict reads: 2-D .npy, (1, 8, 8) .npy, PNG
        x = test_digits.x[i]
        if i % 3 == 0:
            images.append(tmp_path / f"d{i}.npy")
            np.save(images[-1], x[0] * 16)
        elif i % 3 == 1:
            images.append(tmp_path / f"d{i}.npy")
            np.save(images[-1], x)
        else:
            images.append(tmp_path / f"d{i}.png")
            Image.fromarray((x[0] * 255).astype(np.uint8)).save(images[-1])
    status, out, err = cli("predict", trained_run, *images)
    assert status == 0, err
    printed = re.findall(r": class (\d+) \(probability ([\d.]+)\)", out)
    assert len(printed) == len(images)

    batch = np.stack([read_image(p, (1, 8, 8)) for p in images]).astype(np.float32)
    probabilities = softmax(session(tmp_path / "m.onnx").run(None, {"input": batch})[0])
    for (cls, prob), p in zip(printed, probabilities, strict=True):
        assert int(cls) == int(p.argmax())
        assert abs(float(prob) - float(p.max())) <= 0.0005 + 1e-6


def test_onnx_runtime_agrees_on_the_whole_test_split(trained_run, test_digits, cli):
    assert cli("export", trained_run)[0] == 0
    path = trained_run / "model.onnx"  # the default --out
    logits = session(path).run(None, {"input": test_digits.x})[0]
    model = checkpoint.load_model(trained_run)
    expected = model(test_digits.x)
    assert np.abs(logits - expected).max() <= 1e-5 * max(1.0, float(np.abs(expected).max()))
    np.testing.assert_array_equal(logits.argmax(axis=1), expected.argmax(axis=1))
    assert (logits.argmax(axis=1) == test_digits.t).mean() > 0.5   # it did learn


def test_float64_run_says_which_layers_run_in_float32(tmp_path, cli):
    model = models.build("simple_cnn", (1, 8, 8), 10, dtype=np.float64)
    meta = {"model": {"name": "simple_cnn", "config": model.config}, "dtype": "float64",
            "dataset": {"name": "digits", "input_shape": [1, 8, 8], "num_classes": 10, "classes": None}}
    checkpoint.save(tmp_path / "run", model, meta=meta)
    status, out, err = cli("export", tmp_path / "run", "--opset", "18")
    assert status == 0, err
    assert "note:" in out and "features.0 (Conv)" in out and "opset 18" in out
    x = np.random.default_rng(0).random((3, 1, 8, 8))
    y = session(tmp_path / "run" / "model.onnx").run(None, {"input": x})[0]
    assert y.dtype == np.float64
    np.testing.assert_allclose(y, model.eval()(x), rtol=1e-4, atol=1e-5)


def test_mlp_run_on_vectors(tmp_path, cli):
    model = models.build("mlp", (2,), 3, hidden=(8,))
    meta = {"model": {"name": "mlp", "config": model.config}, "dtype": "float32",
            "dataset": {"name": "spiral", "input_shape": [2], "num_classes": 3, "classes": None}}
    checkpoint.save(tmp_path / "run", model, meta=meta)
    status, out, err = cli("export", tmp_path / "run", "--out", tmp_path / "mlp.onnx")
    assert status == 0 and "(batch, 2)" in out, err
    x = np.random.default_rng(0).normal(size=(5, 2)).astype(np.float32)
    np.testing.assert_allclose(session(tmp_path / "mlp.onnx").run(None, {"input": x})[0], model.eval()(x),
                               rtol=1e-5, atol=1e-6)


def one_line_error(status, out, err):
    assert status == 2
    assert err.startswith("scratchdl export: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err


def test_folder_that_is_not_a_run(tmp_path, cli):
    one_line_error(*cli("export", tmp_path))
    one_line_error(*cli("export", tmp_path / "missing"))
    assert list(tmp_path.iterdir()) == []


def test_unwritable_out(trained_run, tmp_path, cli):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    one_line_error(*cli("export", trained_run, "--out", blocker / "m.onnx"))
    one_line_error(*cli("export", trained_run, "--out", tmp_path))           # a folder
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_bad_opset_before_any_work(trained_run, tmp_path, cli):
    one_line_error(*cli("export", trained_run, "--opset", "5", "--out", tmp_path / "m.onnx"))
    one_line_error(*cli("export", trained_run, "--opset", "x", "--out", tmp_path / "m.onnx"))
    assert list(tmp_path.iterdir()) == []


def test_out_in_a_new_folder(trained_run, tmp_path, cli):
    status, out, err = cli("export", trained_run, "--out", tmp_path / "a" / "b" / "m.onnx")
    assert status == 0, err
    assert [p.name for p in (tmp_path / "a" / "b").iterdir()] == ["m.onnx"]


def test_help(cli):
    status, out, _ = cli("export", "--help")
    assert status == 0 and "usage: scratchdl export" in out and "--opset" in out


def test_the_file_has_the_opset_asked_and_the_line_says_what_was_written(tmp_path, cli):
    import onnx

    model = models.build("simple_cnn", (1, 8, 8), 10, dtype=np.float64)
    meta = {"model": {"name": "simple_cnn", "config": model.config}, "dtype": "float64",
            "dataset": {"name": "digits", "input_shape": [1, 8, 8], "num_classes": 10, "classes": None}}
    checkpoint.save(tmp_path / "run", model, meta=meta)
    status, out, _ = cli("export", tmp_path / "run", "--opset", "13", "--out", tmp_path / "m.onnx")
    assert status == 0
    opsets = onnx.load(tmp_path / "m.onnx").opset_import
    assert [o.version for o in opsets if o.domain in ("", "ai.onnx")] == [13]
    lines = out.splitlines()
    assert lines[-1] == (f"wrote {tmp_path / 'm.onnx'}: simple_cnn, opset 13, input 'input' (batch, 1, 8, 8) "
                         "float64, output 'output' (logits)")
    assert lines[:-1] and all(line.startswith("scratchdl export: note: ") for line in lines[:-1])
