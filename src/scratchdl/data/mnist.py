"""MNIST and Fashion-MNIST from their four standard IDX files.

Files (each gzipped ``.gz`` or raw): ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``
(60,000 samples, the train split) and ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``
(10,000 samples, the test split): the split their authors published. Where the files are looked
for and how missing ones are downloaded and verified is in ``scratchdl.data.download``.

Images become float ``(N, 1, 28, 28)`` in ``[0, 1]`` (bytes divided by 255); labels ``int64``.
The SHA-256 values below are those of the published ``.gz`` files; they are checked on download.
"""

from __future__ import annotations

import numpy as np

from ..backend import resolve_dtype
from ..errors import DataError
from .dataset import Dataset
from .download import Source, ensure_files
from .idx import read_idx

MNIST_CLASSES = [str(d) for d in range(10)]
FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot"]

#: split -> (image file stem, label file stem)
FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

SOURCES = {
    "mnist": Source(
        mirrors=(
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
        ),
        sha256={
            "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        },
    ),
    "fashion-mnist": Source(
        mirrors=(
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
            "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        ),
        sha256={
            "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        },
    ),
}

CLASSES = {"mnist": MNIST_CLASSES, "fashion-mnist": FASHION_CLASSES}
IMAGE_SIZE = 28


def fetch_files(name: str, data_dir=None) -> dict:
    """Make sure the four files of ``name`` are on disk, downloading (and verifying) missing ones;
    ``{stem: path}``."""
    stems = [stem for pair in FILES.values() for stem in pair]
    return ensure_files(name, stems, data_dir, SOURCES[name])


def load_idx_dataset(name: str, split: str, data_dir=None, dtype=None, download: bool = True) -> Dataset:
    """The ``split`` ("train" or "test") of ``name`` ("mnist" or "fashion-mnist") as a Dataset."""
    dtype = resolve_dtype(dtype)
    image_stem, label_stem = FILES[split]
    others = [stem for pair in FILES.values() for stem in pair]
    paths = ensure_files(name, (image_stem, label_stem), data_dir, SOURCES[name], download, also=others)
    image_path, label_path = paths[image_stem], paths[label_stem]
    images, labels = read_idx(image_path), read_idx(label_path)
    size = IMAGE_SIZE
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (size, size):
        raise DataError(f"{image_path}: expected uint8 images of shape (N, {size}, {size}), "
                        f"got {images.dtype} of shape {images.shape}")
    if labels.dtype != np.uint8 or labels.ndim != 1:
        raise DataError(f"{label_path}: expected uint8 labels of shape (N,), "
                        f"got {labels.dtype} of shape {labels.shape}")
    if len(images) != len(labels):
        raise DataError(f"{name} {split}: {image_path} holds {len(images)} images but "
                        f"{label_path} holds {len(labels)} labels")
    classes = CLASSES[name]
    bad = np.flatnonzero(labels >= len(classes))
    if bad.size:
        raise DataError(f"{label_path}: label {labels[bad[0]]} at index {bad[0]} is not a class "
                        f"(expected 0..{len(classes) - 1})")
    x = images.astype(dtype).reshape(len(images), 1, size, size)
    x /= 255
    return Dataset(x, labels.astype(np.int64), name=name, classes=classes, dtype=dtype, split=split)
