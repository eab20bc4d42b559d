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
from safetensors.numpy import load_file, save_file

from .atomic import write_atomic, write_json_atomic
from .backend import to_numpy
from .errors import CheckpointError

FORMAT = "scratchdl-checkpoint"
VERSION = 1
META_FILE = "checkpoint.json"


@dataclass
class Checkpoint:
    """What ``load`` returns: the JSON metadata and the arrays it names."""

    meta: dict
    model_state: dict[str, np.ndarray]
    optimizer_state: dict[str, np.ndarray] = field(default_factory=dict)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _save_arrays(folder: Path, name: str, arrays: dict) -> dict:
    path = folder / name
    host = {k: np.require(to_numpy(v), requirements="C") for k, v in arrays.items()}
    write_atomic(path, lambda tmp: save_file(host, str(tmp)))
    return {"file": name, "sha256": _sha256(path)}


def save(folder, model, optimizer=None, scheduler=None, meta: dict | None = None) -> Path:
    """Write a checkpoint of ``model`` (and ``optimizer``, ``scheduler``) into ``folder``.

    ``meta`` is merged into ``checkpoint.json`` (epoch, step, rng state, options, ...).
    ``model.config`` and the registry name (``meta["model"]``) let ``scratchdl`` rebuild the model.
    """
    folder = Path(folder)
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


def is_checkpoint(folder) -> bool:
    return (Path(folder) / META_FILE).is_file()


def read_meta(folder) -> dict:
    """The checkpoint's JSON, checked to be scratchdl's."""
    folder = Path(folder)
    path = folder / META_FILE
    if not folder.is_dir():
        raise CheckpointError(f"checkpoint: {folder} is not a folder")
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
    """Read and verify a checkpoint folder written by ``save``."""
    folder = Path(folder)
    meta = read_meta(folder)
    model_state = _load_arrays(folder, meta.get("weights"), "weights")
    optimizer_state = _load_arrays(folder, meta["optimizer"], "optimizer") if "optimizer" in meta else {}
    return Checkpoint(meta, model_state, optimizer_state)


def restore(ckpt: Checkpoint, model, optimizer=None, scheduler=None) -> None:
    """Load the arrays and hyperparameters of ``ckpt`` into live objects, exactly."""
    try:
        model.load_state_dict(ckpt.model_state)
    except Exception as e:
        raise CheckpointError(f"checkpoint: weights do not fit the model: {e}") from None
    if optimizer is not None and "optimizer" in ckpt.meta:
        entry = ckpt.meta["optimizer"]
        optimizer.load_state_dict({"hyper": entry["hyper"], "t": entry["t"], "state": ckpt.optimizer_state})
    if scheduler is not None and ckpt.meta.get("scheduler"):
        scheduler.load_state_dict(ckpt.meta["scheduler"])


def build_model(meta: dict):
    """A new model of the architecture a checkpoint's metadata names (weights not loaded)."""
    from .models import MODELS

    spec = meta.get("model") or {}
    name, config = spec.get("name"), spec.get("config")
    if name not in MODELS or not isinstance(config, dict):
        raise CheckpointError(f"checkpoint: unknown model {name!r} in its metadata")
    try:
        return MODELS[name](**config, dtype=meta.get("dtype"))
    except TypeError as e:
        raise CheckpointError(f"checkpoint: model configuration does not fit {name!r}: {e}") from None


def load_model(folder):
    """The model saved in checkpoint ``folder``, weights loaded, in eval mode."""
    ckpt = load(folder)
    model = build_model(ckpt.meta)
    restore(ckpt, model)
    return model.eval()
