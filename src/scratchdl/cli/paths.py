"""The paths a command reads and writes, checked before it does any work.

``check(args)`` runs first in ``main``: a bad path (a file where a folder is expected, a folder
that cannot be written, a run folder that is not one, a missing image) is one line and exit
status 2 before any data are loaded or any training starts. Each message names the option, the
path, what is wrong and what was expected. A run folder may be given as the folder or as its
``checkpoint.json``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..checkpoint import META_FILE, checkpoint_folder
from ..errors import ConfigError


class PathError(ConfigError):
    """A path given on the command line that the command cannot use."""


def run_folder(path, option: str) -> Path:
    """The run folder ``path`` names (the folder or its ``checkpoint.json``), checked to hold a run."""
    path = checkpoint_folder(Path(path).expanduser())
    if not path.exists():
        raise PathError(f"{option} {path}: not a folder (no such file or folder); expected a run folder "
                        "written by scratchdl train")
    if not path.is_dir():
        raise PathError(f"{option} {path}: is a file, not a folder; expected a run folder written by "
                        f"scratchdl train (or its {META_FILE})")
    if not (path / META_FILE).is_file():
        raise PathError(f"{option} {path}: not a scratchdl checkpoint (no {META_FILE} in it)")
    return path


def input_folder(path, option: str) -> Path:
    """An existing folder to read from."""
    path = Path(path).expanduser()
    if not path.exists():
        raise PathError(f"{option} {path}: folder does not exist")
    if not path.is_dir():
        raise PathError(f"{option} {path}: is a file, expected a folder")
    return path


def input_file(path, option: str) -> Path:
    """An existing file to read."""
    path = Path(path).expanduser()
    if not path.exists():
        raise PathError(f"{option} {path}: no such file")
    if path.is_dir():
        raise PathError(f"{option} {path}: is a folder, expected a file")
    return path


def output_folder(path, option: str, empty: bool = False) -> Path:
    """A folder the command may create or write into; with ``empty``, an existing one must be empty."""
    path = Path(path).expanduser()
    if path.exists():
        if not path.is_dir():
            expected = "a folder (new or empty)" if empty else "a folder"
            raise PathError(f"{option} {path}: is a file, expected {expected}")
        if not os.access(path, os.W_OK | os.X_OK):
            raise PathError(f"{option} {path}: folder is not writable")
        if empty and any(path.iterdir()):
            raise PathError(f"{option} {path}: folder is not empty and holds no run; "
                            "choose a new or empty folder")
        return path
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise PathError(f"{option} {path}: cannot create it, {parent} is a file")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise PathError(f"{option} {path}: cannot create it, {parent} is not writable")
    return path


def output_file(path, option: str, example: str = "model.onnx") -> Path:
    """A file the command may create or replace, tried with a probe file in its folder (``os.access``
    says yes to root even on a read-only mount); ``example`` is a file name the error suggests."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise PathError(f"{option} {path}: is a folder; give a file name such as {path / example}")
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise PathError(f"{option} {path}: cannot create it, {folder} is a file")
    try:
        fd, probe = tempfile.mkstemp(prefix=".scratchdl-probe.", dir=folder)
    except OSError as e:
        raise PathError(f"{option} {path}: cannot write it: {e.strerror or e} in {folder}") from None
    os.close(fd)
    os.unlink(probe)
    return path


def _dataset_file(args) -> None:
    dataset = getattr(args, "dataset", None)
    if dataset and str(dataset).lower().endswith(".npz"):
        input_file(dataset, "--dataset")
    if getattr(args, "data_dir", None):
        args.data_dir = str(input_folder(args.data_dir, "--data-dir"))


def check_train(args) -> None:
    _dataset_file(args)
    if args.resume:
        args.resume = str(run_folder(args.resume, "--resume"))
        output_folder(args.resume, "--resume")
    elif args.out:
        # A folder holding a run is refused by train itself, with a message that names --resume.
        output_folder(args.out, "--out", empty=not (Path(args.out) / META_FILE).is_file())
    else:
        output_folder("runs", "--out (default runs/<model>-<dataset>-<time>)")


def check_eval(args) -> None:
    args.run_dir = str(run_folder(args.run_dir, "DIR"))
    _dataset_file(args)


def check_predict(args) -> None:
    args.run_dir = str(run_folder(args.run_dir, "DIR"))
    for image in args.images:
        input_file(image, "IMAGE")


def check_outputs(args) -> None:
    """``experiment`` and ``report``: their figures and reports go into ``--out``."""
    if getattr(args, "out", None):
        output_folder(args.out, "--out")


def check_export(args) -> None:
    args.run_dir = str(run_folder(args.run_dir, "RUN_DIR"))
    args.out = str(output_file(args.out or Path(args.run_dir) / "model.onnx", "--out"))


CHECKS = {"train": check_train, "eval": check_eval, "predict": check_predict,
          "experiment": check_outputs, "report": check_outputs, "export": check_export}


def check(args) -> None:
    """Check the paths of the command ``args.command``; raise ``PathError`` on the first bad one."""
    CHECKS.get(args.command, lambda args: None)(args)
