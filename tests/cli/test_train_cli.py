"""``scratchdl train``, ``eval``, ``predict``, ``models``, ``datasets`` as a user runs them."""

import json

import numpy as np
import pytest

from scratchdl import checkpoint


def test_train_mlp_on_digits_then_eval_and_predict(cli, tmp_path):
    out = tmp_path / "run"
    status, stdout, _ = cli("train", "--model", "mlp", "--hidden", "64", "--epochs", "3", "--out", out,
                            "--no-progress")
    assert status == 0
    accuracy = float(stdout.split("test accuracy: ")[1].split()[0])
    assert accuracy > 0.85
    assert {"checkpoint.json", "history.json", "history.csv", "curves.png"} <= {p.name for p in out.iterdir()}
    assert len(json.loads((out / "history.json").read_text())) == 3

    status, stdout, _ = cli("eval", out)
    assert status == 0
    assert f"test accuracy: {accuracy:.4f}" in stdout
    assert "confusion matrix" in stdout

    from scratchdl import data

    test = data.load("digits", split="test")
    np.save(tmp_path / "digit.npy", test.x[0, 0])
    from PIL import Image

    Image.fromarray((test.x[1, 0] * 255).astype(np.uint8)).resize((32, 32)).save(tmp_path / "digit.png")
    status, stdout, _ = cli("predict", out, tmp_path / "digit.npy", tmp_path / "digit.png")
    assert status == 0
    lines = stdout.strip().splitlines()
    assert len(lines) == 2 and "class" in lines[0] and "probability" in lines[1]


def test_models_and_datasets_list_what_exists(cli):
    status, stdout, _ = cli("models")
    assert status == 0 and "simple_cnn" in stdout and "resnet" in stdout and "params" in stdout
    status, stdout, _ = cli("datasets")
    assert status == 0 and "digits" in stdout and "mnist" in stdout


@pytest.mark.parametrize("command", ["train", "eval", "predict", "models", "datasets"])
def test_every_command_has_help(cli, command):
    status, stdout, _ = cli(command, "--help")
    assert status == 0 and "usage: scratchdl" in stdout


def one_line_error(result, *needles):
    status, _, err = result
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0]


@pytest.mark.parametrize("args, needles", [
    (["--model", "nope"], ["--model", "nope", "simple_cnn"]),
    (["--dataset", "nope"], ["--dataset", "nope", "digits"]),
    (["--optimizer", "nope"], ["--optimizer", "adam"]),
    (["--lr", "0"], ["--lr", "> 0"]),
    (["--lr", "-1"], ["--lr"]),
    (["--epochs", "0"], ["--epochs", "> 0"]),
    (["--batch-size", "-3"], ["--batch-size"]),
    (["--dropout", "1.5"], ["--dropout"]),
    (["--init", "nope"], ["--init", "he_normal"]),
    (["--activation", "swish"], ["--activation", "sigmoid"]),
    (["--activation", "tanh"], ["--activation", "simple_cnn", "no activation option"]),
    (["--frobnicate"], ["unrecognized arguments"]),
])
def test_bad_options_fail_in_one_line(cli, args, needles, tmp_path):
    one_line_error(cli("train", "--out", tmp_path / "x", *args), *needles)
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("args, line", [
    (["--dropout", "1.5"], "argument --dropout: must be in [0, 1), got 1.5"),
    (["--dropout", "1"], "argument --dropout: must be in [0, 1), got 1"),
    (["--dropout", "x"], "argument --dropout: expected a number >= 0, got 'x'"),
    (["--lr", "-1"], "argument --lr: must be > 0, got -1"),
    (["--lr", "inf"], "argument --lr: must be > 0, got inf"),
    (["--epochs", "abc"], "argument --epochs: expected a positive integer, got 'abc'"),
    (["--weight-decay", "-1"], "argument --weight-decay: must be >= 0, got -1"),
    (["--init", "normal:x"], "argument --init: normal:x: the standard deviation must be a number > 0"),
    (["--init", "uniform:-1"], "argument --init: uniform:-1: the bound must be a number > 0"),
    (["--init", "foo:1"], "argument --init: unknown initializer 'foo:1'; valid: glorot_normal, "
                          "glorot_uniform, he, he_normal, he_uniform, kaiming_normal, kaiming_uniform, "
                          "lecun_normal, normal, uniform, xavier, xavier_normal, xavier_uniform, zeros, "
                          "normal:STD, uniform:BOUND"),
])
def test_a_bad_number_is_named_with_the_range_it_must_be_in(cli, args, line, tmp_path):
    status, _, err = cli("train", "--out", tmp_path / "x", *args)
    assert status == 2 and err.strip() == f"scratchdl train: error: {line}"


def test_the_edges_of_the_ranges_are_accepted(cli, tmp_path):
    status, _, err = cli("train", "--model", "mlp", "--epochs", "1", "--dropout", "0", "--weight-decay", "0",
                         "--init", "normal:0.05", "--out", tmp_path / "run", "--no-progress")
    assert status == 0, err


def test_resume_of_a_folder_that_is_not_a_checkpoint(cli, tmp_path):
    one_line_error(cli("train", "--resume", tmp_path), "not a scratchdl checkpoint")
    one_line_error(cli("train", "--resume", tmp_path / "missing"), "not a folder")
    one_line_error(cli("eval", tmp_path), "not a scratchdl checkpoint")


def test_corrupted_checkpoint(cli, tmp_path):
    out = tmp_path / "run"
    assert cli("train", "--model", "mlp", "--epochs", "1", "--out", out, "--no-progress")[0] == 0
    weights = out / json.loads((out / "checkpoint.json").read_text())["weights"]["file"]
    weights.write_bytes(weights.read_bytes()[:-10])
    one_line_error(cli("eval", out), "corrupted or truncated")
    one_line_error(cli("train", "--resume", out), "corrupted or truncated")
    (out / "checkpoint.json").write_text("{")
    one_line_error(cli("train", "--resume", out), "not valid JSON")


def test_out_folder_holding_a_run_is_not_overwritten(cli, tmp_path):
    out = tmp_path / "run"
    assert cli("train", "--model", "mlp", "--epochs", "1", "--out", out, "--no-progress")[0] == 0
    one_line_error(cli("train", "--out", out), "already holds a run", "--resume")


def test_missing_and_truncated_idx_files(cli, tmp_path, tiny_mnist, monkeypatch):
    def offline(*args, **kwargs):
        raise OSError("network is unreachable")

    monkeypatch.setattr("scratchdl.data.download.urlopen", offline)
    mnist = ["train", "--dataset", "mnist", "--out", tmp_path / "a", "--data-dir"]
    one_line_error(cli(*mnist, tmp_path / "nowhere"), "does not exist")
    (tmp_path / "empty").mkdir()
    one_line_error(cli(*mnist, tmp_path / "empty"), "train-images-idx3-ubyte", "place them")
    images = tiny_mnist / "train-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:-100])
    one_line_error(cli("train", "--dataset", "mnist", "--data-dir", tiny_mnist, "--out", tmp_path / "b"),
                   "train-images-idx3-ubyte")
    assert not (tmp_path / "b").exists()


def test_model_that_does_not_fit_the_dataset(cli, tmp_path, tiny_mnist):
    out = tmp_path / "run"
    status, _, _ = cli("train", "--model", "mlp", "--dataset", "mnist", "--data-dir", tiny_mnist,
                       "--epochs", "1", "--out", out, "--no-progress")
    assert status == 0
    assert checkpoint.read_meta(out)["model"]["config"]["sizes"][0] == 784
    one_line_error(cli("eval", out, "--dataset", "digits"), "does not fit", "784", "digits")


def test_nan_in_the_data(cli, tmp_path):
    rng = np.random.default_rng(0)
    x = rng.random((20, 1, 8, 8)).astype(np.float32)
    x[3, 0, 2, 2] = np.nan
    path = tmp_path / "mine.npz"
    np.savez(path, x_train=x, t_train=rng.integers(0, 3, 20), x_test=x[:5], t_test=np.zeros(5, int))
    one_line_error(cli("train", "--dataset", path, "--out", tmp_path / "run"), "NaN")
    assert not (tmp_path / "run").exists()


def test_unreadable_image(cli, tmp_path):
    out = tmp_path / "run"
    assert cli("train", "--model", "mlp", "--epochs", "1", "--out", out, "--no-progress")[0] == 0
    (tmp_path / "bad.png").write_bytes(b"not a png at all")
    one_line_error(cli("predict", out, tmp_path / "bad.png"), "bad.png", "cannot be read")
    one_line_error(cli("predict", out, tmp_path / "absent.png"), "absent.png")


def test_diverging_run_stops_with_one_line_and_keeps_its_checkpoint(cli, tmp_path):
    out = tmp_path / "run"
    result = cli("train", "--model", "mlp", "--optimizer", "sgd", "--lr", "1e30", "--epochs", "3",
                 "--out", out, "--no-progress", "--checkpoint-every", "1")
    one_line_error(result, "loss became", "epoch 1, step ", "last good checkpoint is kept in")
    step = int(result[2].split("step ")[1].split(";")[0])
    meta = checkpoint.read_meta(out)
    assert meta["global_step"] == step - 1
    checkpoint.load(out)


def test_threads_sets_the_layers_threads(cli, tmp_path, monkeypatch):
    from scratchdl.nn import blocks

    monkeypatch.setattr(blocks, "NUM_THREADS", 7)              # restored after the test
    status, _, _ = cli("train", "--model", "mlp", "--epochs", "1", "--threads", "1", "--no-progress",
                       "--out", tmp_path / "run")
    assert status == 0 and blocks.NUM_THREADS == 1


def test_resume_of_a_finished_run_says_so_and_more_epochs_train_longer(cli, tmp_path):
    out = tmp_path / "run"
    train = ("--model", "mlp", "--hidden", "16", "--no-progress")
    assert cli("train", *train, "--epochs", "2", "--out", out)[0] == 0
    saved = (out / "checkpoint.json").read_text()

    status, stdout, err = cli("train", "--resume", out)
    assert status == 0 and err == ""
    assert stdout.startswith(f"{out} is finished: 2 of 2 epochs trained, test accuracy 0.")
    assert f"scratchdl train --resume {out} --epochs 4" in stdout
    assert "resuming" not in stdout and (out / "checkpoint.json").read_text() == saved
    for epochs in ("1", "2"):
        one_line_error(cli("train", "--resume", out, "--epochs", epochs),
                       f"--epochs {epochs}: the run in {out} has trained 2 epoch(s) already", "more than 2")

    status, stdout, _ = cli("train", "--resume", out, "--epochs", "4")
    assert status == 0
    assert f"resuming {out} at epoch 3, step 0, now of 4 epochs (was 2); learning rate 0.0015" in stdout
    history = json.loads((out / "history.json").read_text())
    assert [row["epoch"] for row in history] == [1, 2, 3, 4]
    # the cosine schedule of a 4-epoch run from epoch 3 on: lr0 (1 + cos(pi e / 4)) / 2, lr0 = 0.003
    lr = [0.003 * (1 + np.cos(np.pi * e / 4)) / 2 for e in (2, 3)]
    assert [row["lr"] for row in history] == pytest.approx([0.003, 0.0015, *lr])
    meta = checkpoint.read_meta(out)
    assert meta["finished"] and meta["options"]["epochs"] == 4
    assert cli("train", "--resume", out)[1].startswith(f"{out} is finished: 4 of 4 epochs")


def test_activation_sets_the_mlps_hidden_activation(cli, tmp_path):
    out = tmp_path / "run"
    status, stdout, _ = cli("train", "--model", "mlp", "--dataset", "circles", "--activation", "tanh",
                            "--hidden", "8", "--epochs", "1", "--no-progress", "--out", out)
    assert status == 0 and "on circles" in stdout
    meta = checkpoint.read_meta(out)
    assert meta["model"]["config"]["activation"] == meta["options"]["activation"] == "tanh"
