"""The book's ``dataset/mnist.py``: ``load_mnist(normalize=True, flatten=True, one_hot_label=False)``
over scratchdl's MNIST files.

The four IDX files are found, or downloaded and checked against their SHA-256, by
``scratchdl.data.download`` (``--data-dir``, ``$SCRATCHDL_DATA_DIR``, then the cache
``~/.cache/scratchdl/mnist``), never into the package folder and with no pickle. What comes back is
what the book's returns:

- ``(x_train, t_train), (x_test, t_test)``, 60,000 and 10,000 samples;
- images uint8 in 0..255, or float32 in [0, 1] with ``normalize`` (the bytes divided by 255.0);
  (N, 784) with ``flatten``, else (N, 1, 28, 28);
- labels uint8 (N,), or float64 one-hot rows (N, 10) with ``one_hot_label``.

After ``scratchdl.common.install()``, the book's ``from dataset.mnist import load_mnist`` is this one.
"""

from __future__ import annotations

import numpy as np

from ..calls import explain_call
from ..data.download import ensure_files
from ..data.idx import read_idx
from ..data.mnist import FILES, SOURCES
from ..errors import DataError

__all__ = ["load_mnist"]

KEYS = {"train_img": FILES["train"][0], "train_label": FILES["train"][1],
        "test_img": FILES["test"][0], "test_label": FILES["test"][1]}


def _read(paths) -> dict:
    dataset = {key: read_idx(paths[stem]) for key, stem in KEYS.items()}
    for split in ("train", "test"):
        images, labels = dataset[f"{split}_img"], dataset[f"{split}_label"]
        if images.dtype != np.uint8 or images.shape[1:] != (28, 28) or labels.dtype != np.uint8 \
                or labels.ndim != 1 or len(images) != len(labels):
            raise DataError(f"load_mnist: the {split} files hold {images.dtype} images of shape "
                            f"{images.shape} and {labels.dtype} labels of shape {labels.shape}; expected "
                            f"uint8 (N, 28, 28) and uint8 (N,) with the same N")
        dataset[f"{split}_img"] = images.reshape(len(images), 784)
    return dataset


def _one_hot(labels):
    t = np.zeros((labels.size, 10))
    t[np.arange(labels.size), labels] = 1
    return t


@explain_call("the book's call is load_mnist(normalize=True, flatten=True, one_hot_label=False)")
def load_mnist(normalize=True, flatten=True, one_hot_label=False, *, data_dir=None, download=True):
    """MNIST as the book loads it: ``(x_train, t_train), (x_test, t_test)``.

    ``data_dir`` (scratchdl's addition): the folder of the four IDX files; ``download=False``
    raises a ``DataError`` naming the missing files instead of fetching them.
    """
    stems = list(KEYS.values())
    dataset = _read(ensure_files("mnist", stems, data_dir, SOURCES["mnist"], download, also=stems))
    if normalize:
        for key in ("train_img", "test_img"):
            dataset[key] = dataset[key].astype(np.float32)
            dataset[key] /= 255.0
    if one_hot_label:
        dataset["train_label"] = _one_hot(dataset["train_label"])
        dataset["test_label"] = _one_hot(dataset["test_label"])
    if not flatten:
        for key in ("train_img", "test_img"):
            dataset[key] = dataset[key].reshape(-1, 1, 28, 28)
    return (dataset["train_img"], dataset["train_label"]), (dataset["test_img"], dataset["test_label"])
