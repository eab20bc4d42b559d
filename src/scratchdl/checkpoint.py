"""Checkpoints: weights and optimizer moments in safetensors, everything else in JSON. No pickle.

A checkpoint folder holds

- ``checkpoint.json``: format marker, the model's name and configuration, optimizer and
  scheduler hyperparameters and step, epoch and step reached, the random generator's state,
  the training options, and the names and SHA-256 of the two files below;
- ``model-<step>.safetensors``: ``model.state_dict()`` with PyTorch-style names
  (``features.0.weight``); Linear weights in scratchdl's (in, out) layout
  (``scratchdl.interop`` converts);
- ``optimizer-<step>.safetensors``: the optimizer's per-parameter state.

Saving writes the new safetensors files under new names first, then replaces
``checkpoint.json`` atomically, then removes the files it no longer names: whenever the process
stops, ``checkpoint.json`` names complete files, so the checkpoint on disk always loads.

Arrays are saved as host (NumPy) copies and load as NumPy arrays, so a checkpoint written on a
GPU loads on a CPU and the other way round; ``restore`` copies them into the model's and the
optimizer's arrays wherever those are, and ``fit(device=...)`` moves both where training runs.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load_file
from safetensors.numpy import save as save_bytes

from .atomic import write_atomic, write_json_atomic
from .backend import to_numpy
from .errors import CheckpointError

FORMAT = "scratchdl-checkpoint"
VERSION = 1
META_FILE = "checkpoint.json"
REPR_ARRAYS = 12  # weights listed by a Checkpoint's repr before "... and N more"


@dataclass(repr=False)
class Checkpoint:
    """A loaded checkpoint: its metadata and the arrays of the model and the optimizer.

    What ``load`` returns: the JSON metadata and the arrays it names.
    ``restore(ckpt, model, optimizer)`` puts them into live objects. Its ``repr`` summarizes:
    the model, epoch and step, and each weight's name, shape and dtype, never the numbers.
    """

    meta: dict
    model_state: dict[str, np.ndarray]
    optimizer_state: dict[str, np.ndarray] = field(default_factory=dict)
    folder: Path | None = None

    def __repr__(self) -> str:
        meta, state = self.meta, self.model_state
        model = (meta.get("model") or {}).get("name") or "hand-built model"
        where = f"{str(self.folder)!r}, " if self.folder is not None else ""
        names = {"epoch": "epoch", "global_step": "step"}
        progress = "".join(f", {names[k]} {meta[k]}" for k in names if k in meta)
        count = sum(int(a.size) for a in state.values())
        lines = [f"Checkpoint({where}{model}{progress}, {len(state)} arrays ({count:,} values):"]
        shown = list(state.items())[:REPR_ARRAYS]
        width = max((len(k) for k, _ in shown), default=0)
        shape_width = max((len(str(tuple(a.shape))) for _, a in shown), default=0)
        for key, array in shown:
            lines.append(f"  {key:<{width}}  {str(tuple(array.shape)):<{shape_width}}  {array.dtype}")
        if len(state) > REPR_ARRAYS:
            lines.append(f"  ... and {len(state) - REPR_ARRAYS} more arrays")
        if "optimizer" in meta:
            opt = meta["optimizer"]
            lines.append(f"  optimizer {opt.get('name')}, step {opt.get('t')}, "
                         f"{len(self.optimizer_state)} state arrays")
        return "\n".join(lines) + ")"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _save_arrays(folder: Path, name: str, arrays: dict) -> dict:
    """Serialize once in memory, hash those bytes, write them atomically (no second read to hash)."""
    host = {k: np.require(to_numpy(v), requirements="C") for k, v in arrays.items()}
    blob = save_bytes(host)
    write_atomic(folder / name, lambda tmp: tmp.write_bytes(blob))
    return {"file": name, "sha256": hashlib.sha256(blob).hexdigest()}


def save(folder, model, optimizer=None, scheduler=None, meta: dict | None = None) -> Path:
    """Write a checkpoint of ``model`` (and ``optimizer``, ``scheduler``) into ``folder``.

    ``meta`` is merged into ``checkpoint.json`` (epoch, step, rng state, options, ...).
    ``model.config`` and the registry name (``meta["model"]``) let ``scratchdl`` rebuild the model.
    Returns the path of ``checkpoint.json``, which ``load``, ``read_meta`` and ``load_model``
    accept as well as the folder.
    """
    folder = checkpoint_folder(folder)
    folder.mkdir(parents=True, exist_ok=True)
    meta = {k: v for k, v in (meta or {}).items() if k not in ("weights", "optimizer", "scheduler")}
    tag = f"{int(meta.get('global_step', 0)):09d}"
    record = {"format": FORMAT, "version": VERSION, **meta}
    record["weights"] = _save_arrays(folder, f"model-{tag}.safetensors", model.state_dict())
    if optimizer is not None:
        opt = optimizer.state_dict()
        record["optimizer"] = {
            "name": type(optimizer).__name__,
            "hyper": opt["hyper"],
            "t": opt["t"],
            **_save_arrays(folder, f"optimizer-{tag}.safetensors", opt["state"]),
        }
    if scheduler is not None:
        record["scheduler"] = {"name": type(scheduler).__name__, **scheduler.state_dict()}
    write_json_atomic(folder / META_FILE, record)
    keep = {record["weights"]["file"], record.get("optimizer", {}).get("file")}
    stale = [*folder.glob("model-*.safetensors"), *folder.glob("optimizer-*.safetensors"),
             *folder.glob(".*.tmp")]  # .tmp: left by a process killed mid-write (SIGKILL)
    for old in stale:
        if old.name not in keep:
            old.unlink(missing_ok=True)
    return folder / META_FILE


def checkpoint_folder(path) -> Path:
    """The checkpoint folder that ``path`` names: the folder itself, or its ``checkpoint.json``
    (which ``save`` returns), so that ``load(save(...))`` works."""
    path = Path(path)
    return path.parent if path.name == META_FILE and not path.is_dir() else path


def is_checkpoint(folder) -> bool:
    """Whether ``folder`` (a checkpoint folder or its ``checkpoint.json``) holds a checkpoint."""
    return (checkpoint_folder(folder) / META_FILE).is_file()


def read_meta(folder) -> dict:
    """The checkpoint's JSON, checked to be scratchdl's; ``folder`` or its ``checkpoint.json``."""
    given = Path(folder)
    folder = checkpoint_folder(given)
    path = folder / META_FILE
    if not folder.exists():
        raise CheckpointError(f"checkpoint: {given} is not a folder: it does not exist")
    if not folder.is_dir():
        raise CheckpointError(f"checkpoint: {given} is not a folder but a file; give a checkpoint "
                              f"folder or its {META_FILE}")
    if not path.is_file():
        raise CheckpointError(f"checkpoint: {folder} is not a scratchdl checkpoint (no {META_FILE})")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CheckpointError(f"checkpoint: {path} is corrupted (not valid JSON: {e})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"checkpoint: {path} is not a scratchdl checkpoint (format marker missing)")
    if meta.get("version") != VERSION:
        raise CheckpointError(f"checkpoint: {path} has version {meta.get('version')}, expected {VERSION}")
    return meta


def input_shape(meta: dict) -> tuple | None:
    """The shape of one input (no batch axis) that a checkpoint's metadata records: its dataset's,
    else its model configuration's; None when neither does (a checkpoint written by hand)."""
    shape = (meta.get("dataset") or {}).get("input_shape") or (meta["model"].get("config") or {}).get(
        "input_shape")
    return tuple(shape) if shape else None


def _load_arrays(folder: Path, entry: dict, what: str) -> dict:
    try:
        path = folder / entry["file"]
        expected = entry["sha256"]
    except (KeyError, TypeError):
        raise CheckpointError(f"checkpoint: {folder / META_FILE} does not name its {what} file") from None
    if not path.is_file():
        raise CheckpointError(f"checkpoint: {what} file {path} is missing")
    if _sha256(path) != expected:
        raise CheckpointError(
            f"checkpoint: {what} file {path} is corrupted or truncated (SHA-256 does not match)"
        )
    try:
        return load_file(str(path))
    except (SafetensorError, OSError, ValueError) as e:
        raise CheckpointError(f"checkpoint: {what} file {path} cannot be read: {e}") from None


def load(folder) -> Checkpoint:
    """Read and verify a checkpoint written by ``save``: its folder, or the ``checkpoint.json``
    path that ``save`` returns."""
    meta = read_meta(folder)
    folder = checkpoint_folder(folder)
    model_state = _load_arrays(folder, meta.get("weights"), "weights")
    optimizer_state = _load_arrays(folder, meta["optimizer"], "optimizer") if "optimizer" in meta else {}
    return Checkpoint(meta, model_state, optimizer_state, folder)


def restore(ckpt: Checkpoint, model, optimizer=None, scheduler=None) -> None:
    """Load the arrays and hyperparameters of ``ckpt`` into live objects, exactly.

    ``ckpt`` is what ``load`` returns, or a checkpoint folder (or its ``checkpoint.json``),
    which is loaded first.
    """
    if not isinstance(ckpt, Checkpoint):
        ckpt = load(ckpt)
    try:
        model.load_state_dict(ckpt.model_state)
    except Exception as e:
        raise CheckpointError(f"checkpoint: weights do not fit the model: {e}") from None
    if optimizer is not None and "optimizer" in ckpt.meta:
        entry = ckpt.meta["optimizer"]
        optimizer.load_state_dict({"hyper": entry["hyper"], "t": entry["t"], "state": ckpt.optimizer_state})
    if scheduler is not None and ckpt.meta.get("scheduler"):
        scheduler.load_state_dict(ckpt.meta["scheduler"])


def build_model(meta: dict, folder=None):
    """A new model of the architecture a checkpoint's metadata names (weights not loaded).

    Only the zoo's models (``scratchdl.models``) can be rebuilt from metadata; a checkpoint of a
    hand-built model (``nn.Sequential(...)``, your own ``Module``) raises a ``CheckpointError``
    that says how to load it: build the model, then ``restore(load(folder), model)``.
    """
    from .models import MODELS

    spec = meta.get("model") or {}
    name, config = spec.get("name"), spec.get("config")
    if name is None:
        where = str(checkpoint_folder(folder)) if folder is not None else "FOLDER"
        raise CheckpointError(
            f"checkpoint: {where} holds the weights of a hand-built model (its metadata names no "
            f"model of scratchdl.models), so it cannot be rebuilt from the checkpoint; build the "
            f"same model in Python, then load the weights into it with "
            f"checkpoint.restore(checkpoint.load({where!r}), model)"
        )
    if name not in MODELS or not isinstance(config, dict):
        raise CheckpointError(f"checkpoint: unknown model {name!r} in its metadata")
    try:
        return MODELS[name](**config, dtype=meta.get("dtype"))
    except TypeError as e:
        raise CheckpointError(f"checkpoint: model configuration does not fit {name!r}: {e}") from None


def load_model(folder):
    """The zoo model saved in checkpoint ``folder`` (or its ``checkpoint.json``), weights loaded,
    in eval mode; for a hand-built model, build it and use ``restore(load(folder), model)``."""
    ckpt = load(folder)
    model = build_model(ckpt.meta, folder)
    restore(ckpt, model)
    return model.eval()
