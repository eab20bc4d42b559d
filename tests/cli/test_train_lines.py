"""What ``scratchdl train`` says around a run: the batch split under MPI, the command that continues
an interrupted run, a finished run, a resumed run's schedule, the run folder's name, and the options
a resumed run refuses. Each line is built here from what the user would do; MPI is a pretend world."""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pytest

from scratchdl import data
from scratchdl.cli import train_cmd
from scratchdl.errors import ConfigError, ShapeError
from scratchdl.train import TrainState


@pytest.mark.parametrize(("batch", "processes", "line"), [
    (32, 2, "2 processes, global batch 32 = 16 per process"),
    (32, 3, "3 processes, global batch 32 = 10 or 11 per process"),
    (33, 4, "4 processes, global batch 33 = 8 or 9 per process"),
    (7, 7, "7 processes, global batch 7 = 1 per process"),
])
def test_the_split_of_the_global_batch(batch, processes, line):
    assert train_cmd._split_line(batch, processes) == line


def _world(size):
    return SimpleNamespace(size=size, is_root=True)


@pytest.mark.parametrize(("environ", "size", "command"), [
    ({}, 1, None),
    ({"OMPI_COMM_WORLD_SIZE": "2", "OMPI_COMM_WORLD_RANK": "0"}, 2, "mpiexec -n 2"),
    ({"SLURM_STEP_NUM_TASKS": "4", "SLURM_PROCID": "0"}, 4, "srun -n 4"),
    ({"OMPI_COMM_WORLD_SIZE": "4", "OMPI_COMM_WORLD_RANK": "0"}, 2, "mpiexec -n 2"),  # launcher says 4
    ({}, 3, "mpiexec -n 3"),  # a world without a launcher's variables
])
def test_the_command_that_continues_an_interrupted_run(environ, size, command, monkeypatch):
    for var in ("OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK", "PMI_SIZE", "PMI_RANK",
                "SLURM_STEP_NUM_TASKS", "SLURM_PROCID"):
        monkeypatch.delenv(var, raising=False)
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    comm = None if command is None else _world(size)
    said = train_cmd._resume_command(comm, "runs/a")
    assert said == f"{command + ' ' if command else ''}scratchdl train --resume runs/a"


def test_a_finished_run_gives_its_accuracy_and_how_to_train_longer():
    meta = {"options": {"epochs": 5}, "history": [{"test_accuracy": 0.5}, {"test_accuracy": 0.96875}]}
    assert train_cmd.finished_message("runs/x", meta) == (
        "runs/x is finished: 5 of 5 epochs trained, test accuracy 0.9688; nothing to do. To train longer, "
        "give the new total: scratchdl train --resume runs/x --epochs 10")
    for history in ([], [{"train_loss": 0.3}]):  # a regression run, or none recorded
        assert train_cmd.finished_message("r", {"options": {"epochs": 3}, "history": history}).startswith(
            "r is finished: 3 of 3 epochs trained; nothing to do.")


def test_a_resumed_run_says_where_it_goes_on_and_its_new_schedule():
    state = TrainState(epoch=2, step=90)
    options = {"epochs": 4, "scheduler": "cosine"}
    assert train_cmd.resume_message("r", state, options, 4, 0.01) == "resuming r at epoch 3, step 90"
    extended = {"epochs": 8, "scheduler": "cosine"}
    assert train_cmd.resume_message("r", state, extended, 4, 0.00123456) == (
        "resuming r at epoch 3, step 90, now of 8 epochs (was 4); learning rate 0.00123 from here on, "
        "as a 8-epoch cosine schedule has it at this epoch")
    assert train_cmd.resume_message("r", state, {"epochs": 8, "scheduler": "none"}, 4, 0.1) == (
        "resuming r at epoch 3, step 90, now of 8 epochs (was 4)")


def _args(**given):
    """``scratchdl train``'s parsed options: nothing given but ``given``."""
    return SimpleNamespace(**{**{k: None for k in train_cmd.DEFAULTS}, "resume": None, "out": None, **given})


def test_a_new_run_folder_is_named_by_model_dataset_and_the_time(monkeypatch):
    assert re.fullmatch(r"\d{8}-\d{6}", train_cmd._stamp())
    args = _args(model="mlp", dataset="xor")
    options, out = train_cmd._options(args, "20261207-010203")
    assert str(out) == "runs/mlp-xor-20261207-010203" and options["lr"] == train_cmd.DEFAULT_LR["adam"]
    monkeypatch.setattr(train_cmd, "_stamp", lambda: "19990101-000000")
    assert str(train_cmd._options(args)[1]) == "runs/mlp-xor-19990101-000000"


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory):
    from scratchdl.cli import main

    out = tmp_path_factory.mktemp("run") / "r"
    assert main(["train", "--model", "mlp", "--dataset", "xor", "--hidden", "4", "--epochs", "1",
                 "--no-progress", "--weight-decay", "0.001", "--out", str(out)]) == 0
    return out


def test_a_float64_run_leaves_the_callers_default_dtype(saved_run):
    from scratchdl import backend
    from scratchdl.cli import main

    assert backend.get_default_dtype() == np.float32
    out = saved_run.parent / "f64"
    assert main(["train", "--model", "mlp", "--dataset", "xor", "--hidden", "4", "--epochs", "1",
                 "--no-progress", "--dtype", "float64", "--out", str(out)]) == 0
    assert backend.get_default_dtype() == np.float32


def _resume_args(run, **given):
    return _args(resume=str(run), **given)


def test_resume_names_every_option_it_cannot_change(saved_run, capsys):
    capsys.readouterr()
    refused = r"^--resume: cannot change --batch-size, --weight-decay of a saved run$"
    with pytest.raises(ConfigError, match=refused):
        train_cmd._options(_resume_args(saved_run, weight_decay=0.5, batch_size=8, hidden=[4]))
    # the same values as saved, a new epoch count or data folder: accepted
    options, out = train_cmd._options(_resume_args(saved_run, weight_decay=0.001, hidden=[4], epochs=3,
                                                   data_dir="elsewhere"))
    assert out == saved_run and options["epochs"] == 3 and options["data_dir"] == "elsewhere"
    assert options["model"] == "mlp" and options["lr"] == train_cmd.DEFAULT_LR["adam"]


def test_resume_keeps_the_runs_folder(saved_run):
    same = _resume_args(saved_run)
    same.out = str(saved_run) + "/."
    assert train_cmd._options(same)[1] == saved_run
    other = _resume_args(saved_run)
    other.out = str(saved_run.parent / "other")
    with pytest.raises(ConfigError, match=r"^--resume: the run continues in its own folder; drop --out$"):
        train_cmd._options(other)


def test_the_model_is_built_in_the_runs_dtype_with_the_options_it_takes():
    options = {**train_cmd.DEFAULTS, "model": "mlp", "dtype": "float64", "hidden": [7, 5]}
    model = train_cmd.build_model(options, (2,), 3)
    assert {p.data.dtype for p in model.parameters()} == {np.dtype("float64")}
    assert [p.data.shape for p in model.parameters()] == [(2, 7), (7,), (7, 5), (5,), (5, 3), (3,)]
    # --hidden sizes an MLP; a CNN has its own fully connected size, which --hidden does not set
    with pytest.raises(ConfigError, match=r"^--hidden: model 'simple_cnn' has no hidden option$"):
        train_cmd.build_model({**train_cmd.DEFAULTS, "hidden": [7]}, (1, 8, 8), 10)


def test_a_model_with_the_wrong_number_of_outputs_is_refused_before_training():
    three = data.load("spiral", "train")
    model = train_cmd.build_model({**train_cmd.DEFAULTS, "model": "mlp"}, three.input_shape, 5)
    with pytest.raises(ShapeError, match=r"^model 'mlp' gives 5 outputs, dataset 'spiral' has 3 classes$"):
        train_cmd.check_fits(model, "mlp", three)
    assert model.training  # put back in training mode


def test_resuming_a_batch_norm_run_needs_no_batchnorm_flag(tmp_path):
    from scratchdl.cli import build_parser, main

    run = tmp_path / "bn"
    assert main(["train", "--model", "mlp", "--dataset", "xor", "--hidden", "4", "--batchnorm",
                 "--epochs", "1", "--no-progress", "--out", str(run)]) == 0
    args = build_parser().parse_args(["train", "--resume", str(run), "--epochs", "2"])
    options, out = train_cmd._options(args)
    assert out == run and options["batchnorm"] is True and options["epochs"] == 2
