"""``Dataset``: inputs ``x`` and targets ``t`` in two arrays, checked once when built.

A dataset is two NumPy arrays of the same length: ``x`` (float, ``(N, C, H, W)`` for images or
``(N, features)``) and ``t`` (``int64`` labels ``(N,)`` for classification, float targets for
regression). Indexing with an int, a slice or an index array returns ``(x[i], t[i])``, so a batch
is one fancy-indexing operation, never a Python loop over samples.

The constructor refuses data that would silently ruin training: different lengths, NaN or Inf in
``x`` (or in regression targets), labels outside ``[0, num_classes)``. Each error is a
``DataError`` naming the dataset and the first bad sample.
"""

from __future__ import annotations

import numpy as np

from ..backend import resolve_dtype
from ..errors import ConfigError, DataError


class Dataset:
    """Inputs and targets of one split of one dataset, checked once when built.

    Args:
        x: array ``(N, ...)`` of inputs; cast to ``dtype`` (float32 by default, or ``x``'s own
            floating dtype when ``dtype`` is None and ``x`` is already float32/float64).
        t: targets: integer labels ``(N,)`` make a classification dataset (kept ``int64``, as
            PyTorch's ``TensorDataset`` keeps them); float targets ``(N,)`` or ``(N, k)`` a
            regression one (to regress on whole numbers, give them as floats).
        name: used in every error message and in ``repr``.
        num_classes: number of classes; None means the largest label + 1 for integer labels
            (give it when a split may lack the last class), and regression for float targets.
        classes: label names (``classes[label]``), or None; sets ``num_classes`` when that is None.
        dtype: float32 or float64 for ``x`` (and for regression targets).
        split: which split this is ("train", "test", ...), or None; informative only.

    Attributes: ``x``, ``t``, ``name``, ``split``, ``num_classes``, ``classes``, ``input_shape``
    (the shape of one sample, ``x.shape[1:]``).
    """

    def __init__(self, x, t, name: str = "dataset", num_classes: int | None = None,
                 classes=None, dtype=None, split: str | None = None):
        self.name = str(name)
        self.split = split
        if classes is not None:
            classes = [str(c) for c in classes]
            if num_classes is None:
                num_classes = len(classes)
            elif len(classes) != num_classes:
                raise ConfigError(f"dataset {self.name!r}: num_classes={num_classes} but "
                                  f"{len(classes)} class names were given")
        if num_classes is not None and (isinstance(num_classes, bool) or int(num_classes) != num_classes
                                        or num_classes < 1):
            raise ConfigError(f"dataset {self.name!r}: num_classes must be a positive int, "
                              f"got {num_classes!r}")
        self.classes = classes
        self.x = self._check_x(x, dtype)
        t = np.asarray(t)
        if num_classes is None and t.ndim == 1 and np.issubdtype(t.dtype, np.integer):
            num_classes = int(t.max(initial=0)) + 1  # integer labels: classification, as in PyTorch
        self.num_classes = None if num_classes is None else int(num_classes)
        self.t = self._check_t(t)

    def _check_x(self, x, dtype) -> np.ndarray:
        x = np.asarray(x)
        if x.ndim < 2:
            raise DataError(f"dataset {self.name!r}: x must have shape (N, features) or (N, C, H, W), "
                            f"got shape {x.shape}")
        if not (np.issubdtype(x.dtype, np.number) or x.dtype == np.bool_):
            raise DataError(f"dataset {self.name!r}: x must be numeric, got dtype {x.dtype}")
        if dtype is None and x.dtype in (np.float32, np.float64):
            dtype = x.dtype
        dtype = resolve_dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise ConfigError(f"dataset {self.name!r}: dtype must be float32 or float64, got {dtype}")
        x = np.ascontiguousarray(x, dtype=dtype)
        _check_finite(self.name, "x", x)
        return x

    def _check_t(self, t) -> np.ndarray:
        t = np.asarray(t)
        n = len(self.x)
        if t.ndim == 0 or len(t) != n:
            raise DataError(f"dataset {self.name!r}: x has {n} samples but t has "
                            f"{'no length' if t.ndim == 0 else len(t)} (shape {t.shape})")
        if self.num_classes is None:
            if not (np.issubdtype(t.dtype, np.number) or t.dtype == np.bool_):
                raise DataError(f"dataset {self.name!r}: regression targets must be numeric, "
                                f"got dtype {t.dtype}")
            t = np.ascontiguousarray(t, dtype=self.x.dtype)
            _check_finite(self.name, "t", t)
            return t
        if t.ndim != 1:
            raise DataError(f"dataset {self.name!r}: labels must have shape (N,), got {t.shape}")
        if not np.issubdtype(t.dtype, np.integer):
            raise DataError(f"dataset {self.name!r}: labels must be integers, got dtype {t.dtype}")
        bad = np.flatnonzero((t < 0) | (t >= self.num_classes))
        if bad.size:
            i = int(bad[0])
            raise DataError(f"dataset {self.name!r}: label t[{i}] = {t[i]} is outside "
                            f"[0, {self.num_classes}) ({bad.size} labels out of range)")
        return np.ascontiguousarray(t, dtype=np.int64)

    @property
    def input_shape(self) -> tuple[int, ...]:
        """The shape of one sample: ``x.shape[1:]``."""
        return tuple(self.x.shape[1:])

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, index):
        """``(x[index], t[index])`` for an int, a slice or an index array."""
        return self.x[index], self.t[index]

    def subset(self, indices, name: str | None = None) -> Dataset:
        """A new dataset of the samples at ``indices`` (e.g. a validation split), copied."""
        indices = np.asarray(indices)
        return Dataset(self.x[indices], self.t[indices], name=name or self.name,
                       num_classes=self.num_classes, classes=self.classes, dtype=self.x.dtype,
                       split=self.split)

    def __repr__(self) -> str:
        kind = "regression" if self.num_classes is None else f"{self.num_classes} classes"
        split = f", split={self.split!r}" if self.split else ""
        return (f"Dataset({self.name!r}{split}, {len(self)} samples, input_shape={self.input_shape}, "
                f"{kind}, dtype={self.x.dtype})")


def _check_finite(name: str, field: str, a: np.ndarray) -> None:
    """Raise a DataError naming the first sample of ``a`` that holds NaN or Inf."""
    finite = np.isfinite(a)
    if finite.all():
        return
    bad = np.flatnonzero(~finite.reshape(len(a), -1).all(axis=1))
    i = int(bad[0])
    what = "NaN" if np.isnan(a[i]).any() else "Inf"
    raise DataError(f"dataset {name!r}: {field}[{i}] contains {what} "
                    f"({bad.size} of {len(a)} samples have NaN or Inf)")
