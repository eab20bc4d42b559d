"""Your own arrays as a dataset: a ``.npz`` file passed to ``load`` as the dataset name.

The file holds ``x_train``, ``t_train``, ``x_test`` and ``t_test`` (and optionally ``classes``,
an array of label names). Integer targets make a classification dataset with
``len(classes)`` classes, or ``max(label) + 1`` over both splits when ``classes`` is absent;
float targets make a regression dataset. The file is read with ``allow_pickle=False``: object
arrays are refused, never unpickled. The usual checks apply (NaN/Inf, label range, lengths).

    np.savez("mine.npz", x_train=x, t_train=t, x_test=xt, t_test=tt)
    train = scratchdl.data.load("mine.npz")
"""

from __future__ import annotations

import os
import zipfile

import numpy as np

from ..errors import DataError
from .dataset import Dataset

KEYS = ("x_train", "t_train", "x_test", "t_test")


def load_npz(path, split: str, dtype=None) -> Dataset:
    """The ``split`` ("train" or "test") of the arrays in the ``.npz`` file ``path``."""
    path = os.fspath(path)
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = [k for k in KEYS if k not in f.files]
            if missing:
                raise DataError(f"{path}: missing arrays {', '.join(missing)}; expected {', '.join(KEYS)} "
                                f"(found {', '.join(f.files) or 'none'})")
            x, t = f[f"x_{split}"], f[f"t_{split}"]
            t_other = f["t_test" if split == "train" else "t_train"]
            classes = [str(c) for c in f["classes"]] if "classes" in f.files else None
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as e:
        if isinstance(e, DataError):
            raise
        raise DataError(f"{path}: not a readable .npz file of plain arrays ({e})") from None
    num_classes = None
    if np.issubdtype(t.dtype, np.integer):
        num_classes = len(classes) if classes else int(max(t.max(initial=0), t_other.max(initial=0))) + 1
    elif classes:
        raise DataError(f"{path}: 'classes' is given but t_{split} holds {t.dtype} values, "
                        f"not integer labels")
    return Dataset(x, t, name=path, num_classes=num_classes, classes=classes, dtype=dtype, split=split)
