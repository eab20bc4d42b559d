"""IDX files for the data tests, written byte by byte, independently of scratchdl's reader."""

import gzip
import struct

import numpy as np

TYPE_CODES = {np.dtype("u1"): 0x08, np.dtype("i1"): 0x09, np.dtype("i2"): 0x0B, np.dtype("i4"): 0x0C,
              np.dtype("f4"): 0x0D, np.dtype("f8"): 0x0E}

STEMS = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
         "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def idx_bytes(array) -> bytes:
    """The IDX encoding of ``array``: magic 0x0000TTDD, big-endian uint32 sizes, big-endian data."""
    array = np.asarray(array)
    header = struct.pack(">BBBB", 0, 0, TYPE_CODES[array.dtype], array.ndim)
    header += struct.pack(">" + "I" * array.ndim, *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_idx(path, array, gz=None) -> bytes:
    """Write ``array`` as an IDX file at ``path`` (gzipped when the name ends in .gz); return the bytes."""
    data = idx_bytes(array)
    if gz if gz is not None else str(path).endswith(".gz"):
        data = gzip.compress(data)
    with open(path, "wb") as f:
        f.write(data)
    return data


def fake_mnist(folder, n_train=6, n_test=4, gz=True, seed=0, size=28):
    """Write the four MNIST files with random pixels and labels into ``folder``; return the arrays."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    arrays = {}
    for split, n in (("train", n_train), ("test", n_test)):
        images = rng.integers(0, 256, size=(n, size, size), dtype=np.uint8)
        images[0, 0, 0], images[0, 0, 1] = 0, 255
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        image_stem, label_stem = STEMS[split]
        suffix = ".gz" if gz else ""
        write_idx(folder / f"{image_stem}{suffix}", images)
        write_idx(folder / f"{label_stem}{suffix}", labels)
        arrays[split] = (images, labels)
    return arrays
