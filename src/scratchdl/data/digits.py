"""``digits``: the 8x8 handwritten digits bundled with scikit-learn (no network needed).

1,797 grayscale images of the digits 0-9, 8x8 pixels with values 0..16, scaled here to [0, 1]
(divided by 16) and shaped ``(N, 1, 8, 8)``. The split is fixed and independent of any seed the
user passes: stratified 80/20, exactly
``sklearn.model_selection.train_test_split(arange(1797), test_size=0.2, random_state=0,
stratify=y)``, each side sorted back into the original order: 1,437 train and 360 test images.
"""

from __future__ import annotations

import numpy as np

from ..backend import resolve_dtype
from .dataset import Dataset

CLASSES = [str(d) for d in range(10)]
SPLIT_SEED = 0
TEST_SIZE = 0.2
SIZES = {"train": 1437, "test": 360}


def split_indices(labels: np.ndarray) -> dict:
    """``{"train": idx, "test": idx}``: the fixed stratified 80/20 split of the digits."""
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(np.arange(len(labels)), test_size=TEST_SIZE,
                                   random_state=SPLIT_SEED, stratify=labels)
    return {"train": np.sort(train), "test": np.sort(test)}


def load_digits(split: str, dtype=None) -> Dataset:
    """The ``split`` ("train" or "test") of the scikit-learn digits as a Dataset."""
    from sklearn.datasets import load_digits as sklearn_digits

    dtype = resolve_dtype(dtype)
    bunch = sklearn_digits()
    labels = bunch.target.astype(np.int64)
    idx = split_indices(labels)[split]
    x = bunch.images[idx].astype(dtype).reshape(len(idx), 1, 8, 8)
    x /= 16
    return Dataset(x, labels[idx], name="digits", classes=CLASSES, dtype=dtype, split=split)
