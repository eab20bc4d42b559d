"""The book's load_mnist (scratchdl.common.mnist) over scratchdl's MNIST files: the arrays the book's
``dataset/mnist.py`` returns, read here as the book reads them (gzip, bytes after the header)."""

import gzip

import numpy as np
import pytest
from common_reference import STEMS, write_mnist

from scratchdl.common.mnist import load_mnist
from scratchdl.errors import ArgumentError, DataError


def read_as_the_book(folder, stem, offset):
    with gzip.open(folder / f"{stem}.gz", "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


@pytest.mark.parametrize("normalize", [True, False])
@pytest.mark.parametrize("flatten", [True, False])
@pytest.mark.parametrize("one_hot_label", [False, True])
def test_the_books_arrays_for_every_option(tmp_path, normalize, flatten, one_hot_label):
    write_mnist(tmp_path, (7, 5))
    loaded = load_mnist(normalize=normalize, flatten=flatten, one_hot_label=one_hot_label, data_dir=tmp_path,
                        download=False)
    for (x, t), (images, labels), n in zip(loaded, STEMS.values(), (7, 5), strict=True):
        pixels = read_as_the_book(tmp_path, images, 16).reshape(-1, 784)
        digits = read_as_the_book(tmp_path, labels, 8)
        if normalize:
            pixels = pixels.astype(np.float32) / np.float32(255.0)
        if one_hot_label:
            digits = np.eye(10)[digits]
        assert x.dtype == (np.float32 if normalize else np.uint8)
        assert x.shape == ((n, 784) if flatten else (n, 1, 28, 28))
        np.testing.assert_array_equal(x.reshape(n, 784), pixels)
        assert t.dtype == (np.float64 if one_hot_label else np.uint8)
        np.testing.assert_array_equal(t, digits)


def test_missing_files_and_wrong_calls_are_scratchdl_errors(tmp_path):
    with pytest.raises(DataError, match="train-images-idx3-ubyte"):
        load_mnist(data_dir=tmp_path, download=False)
    with pytest.raises(ArgumentError, match=r"load_mnist\(normalize=True, flatten=True, one_hot_label=False"):
        load_mnist(one_hot=True)
