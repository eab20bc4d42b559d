"""The book's util (scratchdl.common.util): im2col / col2im in the book's layout and float64, equal to
the course's teaching loops (scratchdl.functions); conv_output_size's 12.5; smoothing and shuffling."""

# ruff: noqa: NPY002 (the book draws from NumPy's global generator; so do these tests, to match it)

import numpy as np
import pytest

from scratchdl import functions as course
from scratchdl.common.util import col2im, conv_output_size, im2col, shuffle_dataset, smooth_curve


@pytest.mark.parametrize("fh,fw,stride,pad", [(3, 3, 1, 0), (3, 2, 2, 1), (5, 5, 1, 2), (2, 2, 2, 0)])
def test_im2col_and_col2im_equal_the_loops_and_are_adjoint(fh, fw, stride, pad):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 7, 6)).astype(np.float32)
    col = im2col(x, fh, fw, stride, pad)
    expected = course.im2col(x.astype(np.float64), fh, fw, stride, pad)
    assert col.dtype == np.float64 and col.shape == expected.shape
    np.testing.assert_array_equal(col, expected)
    c = rng.standard_normal(col.shape)
    back = col2im(c, x.shape, fh, fw, stride, pad)
    np.testing.assert_allclose(back, course.col2im(c, x.shape, fh, fw, stride, pad), atol=1e-12)
    assert abs(np.sum(col * c) - np.sum(x.astype(np.float64) * back)) < 1e-9  # <im2col x, c> = <x, col2im c>


def test_conv_output_size_is_the_books_true_division():
    assert conv_output_size(28, 5, 2) == 12.5 and conv_output_size(28, 5) == 24.0
    assert conv_output_size(28, 5, 1, 2) == 28.0


def test_smooth_curve_is_a_normalised_kaiser_window_over_mirrored_ends():
    x = np.random.default_rng(1).random(30)
    y = smooth_curve(x)
    assert y.shape == x.shape
    w = np.kaiser(11, 2) / np.kaiser(11, 2).sum()
    assert y[10] == pytest.approx(np.dot(w, x[5:16]), abs=1e-15)        # an interior point: the window itself
    np.testing.assert_allclose(smooth_curve(np.full(20, 3.0)), 3.0, atol=1e-14)


@pytest.mark.parametrize("shape", [(6, 2), (6, 1, 2, 2)])
def test_shuffle_dataset_draws_the_global_permutation_and_keeps_pairs(shape):
    x = np.arange(np.prod(shape), dtype=float).reshape(shape)
    t = np.arange(6)
    np.random.seed(3)
    xs, ts = shuffle_dataset(x, t)
    np.random.seed(3)
    order = np.random.permutation(6)
    np.testing.assert_array_equal(ts, order)
    np.testing.assert_array_equal(xs, x[order])
