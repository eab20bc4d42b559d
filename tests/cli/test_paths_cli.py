"""Every command refuses a bad input or output path before any work: one line, exit status 2."""

import os

import pytest

from scratchdl import checkpoint, data, experiments, models
from scratchdl.cli import build_parser


@pytest.fixture
def no_work(monkeypatch):
    """Loading data, building or loading a model, or running an experiment fails the test."""

    def work(*args, **kwargs):
        raise AssertionError("work started before the paths were checked")

    monkeypatch.setattr(data, "load_splits", work)
    monkeypatch.setattr(models, "build", work)
    monkeypatch.setattr(checkpoint, "load_model", work)
    monkeypatch.setattr(checkpoint, "load", work)
    monkeypatch.setattr(experiments, "load", work)
    monkeypatch.setattr(experiments, "write_report", work)


@pytest.fixture
def place(tmp_path):
    """tmp_path with a file ``afile``, a non-empty folder ``full`` and a fake run ``run``."""
    (tmp_path / "afile").write_text("x")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "checkpoint.json").write_text("{}")
    return tmp_path


def listing(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


CASES = [
    (["train", "--out", "afile"], ["--out", "afile", "is a file", "expected a folder (new or empty)"]),
    (["train", "--out", "afile/sub"], ["--out", "afile/sub", "cannot create it", "is a file"]),
    (["train", "--out", "full"], ["--out", "full", "not empty", "new or empty folder"]),
    (["train", "--resume", "afile"], ["--resume", "afile", "is a file", "run folder"]),
    (["train", "--resume", "nowhere"], ["--resume", "nowhere", "not a folder"]),
    (["train", "--resume", "full"], ["--resume", "full", "not a scratchdl checkpoint"]),
    (["train", "--data-dir", "nowhere", "--out", "new"], ["--data-dir", "nowhere", "does not exist"]),
    (["train", "--data-dir", "afile", "--out", "new"], ["--data-dir", "afile", "is a file"]),
    (["train", "--dataset", "mine.npz", "--out", "new"], ["--dataset", "mine.npz", "no such file"]),
    (["eval", "afile"], ["DIR", "afile", "is a file"]),
    (["eval", "nowhere"], ["DIR", "nowhere", "not a folder"]),
    (["eval", "full"], ["DIR", "full", "not a scratchdl checkpoint"]),
    (["eval", "run", "--data-dir", "afile"], ["--data-dir", "afile", "is a file"]),
    (["predict", "full", "afile"], ["DIR", "full", "not a scratchdl checkpoint"]),
    (["predict", "run", "absent.png"], ["IMAGE", "absent.png", "no such file"]),
    (["predict", "run", "full"], ["IMAGE", "full", "is a folder, expected a file"]),
    (["experiment", "sgd", "--out", "afile"], ["--out", "afile", "is a file", "expected a folder"]),
    (["report", "--out", "afile/x"], ["--out", "afile/x", "cannot create it"]),
    (["report", "--quick", "--out", "afile"], ["--out", "afile", "is a file"]),
]


@pytest.mark.parametrize("args, needles", CASES, ids=[" ".join(a) for a, _ in CASES])
def test_bad_path_is_one_line_before_any_work(cli, place, monkeypatch, no_work, args, needles):
    monkeypatch.chdir(place)
    before = listing(place)
    status, out, err = cli(*args)
    assert status == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith(f"scratchdl {args[0]}: error: ")
    for needle in needles:
        assert needle in lines[0]
    assert out == ""
    assert listing(place) == before, "nothing is written"


def test_default_out_under_a_file_named_runs(cli, tmp_path, monkeypatch, no_work):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").write_text("not a folder")
    status, _, err = cli("train")
    assert status == 2 and "runs" in err and "is a file" in err


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write anywhere")
def test_unwritable_parent(cli, tmp_path, no_work):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        status, _, err = cli("train", "--out", locked / "run")
        assert status == 2 and "not writable" in err
    finally:
        locked.chmod(0o700)


def test_check_accepts_a_run_folder_or_its_checkpoint_json(place):
    from scratchdl.cli import paths

    for given in (place / "run", place / "run" / "checkpoint.json"):
        args = build_parser().parse_args(["eval", str(given)])
        paths.check(args)
        assert args.run_dir == str(place / "run")


def test_an_empty_existing_folder_is_a_fine_out(place):
    from scratchdl.cli import paths

    (place / "empty").mkdir()
    paths.check(build_parser().parse_args(["train", "--out", str(place / "empty")]))
    paths.check(build_parser().parse_args(["experiment", "sgd", "--out", str(place / "full")]))
