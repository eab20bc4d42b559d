"""The fast im2col / col2im give the course's numbers (``functions.im2col`` / ``col2im``, whose
layout is the transpose of ours), PyTorch's ``unfold`` for non-square strides and paddings, and
are adjoint to each other; dtype is preserved."""

import numpy as np
import pytest
import torch
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from scratchdl import functions
from scratchdl.nn.im2col import col2im, conv_output_size, flat_layout, flat_patches, im2col, to_flat

torch.set_num_threads(1)

EXAMPLES = settings(max_examples=50, deadline=None)


def normal(seed, shape, dtype=np.float64):
    return np.random.default_rng((seed, 7)).standard_normal(shape).astype(dtype)


@st.composite
def square_cases(draw):
    """Shapes the course's functions accept: one stride and one padding for both axes."""
    fh, fw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    stride, pad = draw(st.integers(1, 3)), draw(st.integers(0, 2))
    h = draw(st.integers(max(1, fh - 2 * pad), 8))
    w = draw(st.integers(max(1, fw - 2 * pad), 8))
    shape = (draw(st.integers(1, 3)), draw(st.integers(1, 3)), h, w)
    return shape, fh, fw, stride, pad, draw(st.integers(0, 2**32 - 1))


@EXAMPLES
@given(case=square_cases(), dtype=st.sampled_from([np.float32, np.float64]))
@example(case=((2, 3, 7, 5), 3, 2, 2, 1, 0), dtype=np.float32)
@example(case=((1, 2, 5, 5), 3, 3, 1, 2, 1), dtype=np.float64)
def test_im2col_equals_course_loop_version(case, dtype):
    shape, fh, fw, stride, pad, seed = case
    x = normal(seed, shape, dtype)
    course = functions.im2col(x, fh, fw, stride, pad)
    fast = im2col(x, (fh, fw), stride, pad)
    assert fast.dtype == dtype
    assert fast.shape == course.T.shape
    np.testing.assert_array_equal(fast, course.T)


@EXAMPLES
@given(case=square_cases(), dtype=st.sampled_from([np.float32, np.float64]))
@example(case=((2, 3, 7, 5), 3, 2, 2, 1, 0), dtype=np.float32)
@example(case=((1, 2, 4, 6), 2, 3, 1, 2, 1), dtype=np.float64)
def test_col2im_equals_course_loop_version(case, dtype):
    shape, fh, fw, stride, pad, seed = case
    n, c, h, w = shape
    oh, ow = conv_output_size(h, fh, stride, pad), conv_output_size(w, fw, stride, pad)
    col = normal(seed, (c * fh * fw, n * oh * ow), dtype)
    course = functions.col2im(np.ascontiguousarray(col.T), shape, fh, fw, stride, pad)
    fast = col2im(col, shape, (fh, fw), stride, pad)
    assert fast.dtype == dtype and fast.shape == shape
    np.testing.assert_allclose(fast, course, rtol=1e-12 if dtype == np.float64 else 1e-6, atol=1e-6)


@EXAMPLES
@given(
    kernel=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    padding=st.tuples(st.integers(0, 2), st.integers(0, 2)),
    size=st.tuples(st.integers(4, 8), st.integers(4, 8)),
    seed=st.integers(0, 2**32 - 1),
)
def test_im2col_matches_torch_unfold_with_pairs(kernel, stride, padding, size, seed):
    x = normal(seed, (2, 3, *size))
    fast = im2col(x, kernel, stride, padding)
    unfolded = torch.nn.functional.unfold(torch.from_numpy(x), kernel, padding=padding, stride=stride)
    expected = unfolded.numpy().transpose(1, 0, 2).reshape(fast.shape)   # (C*kh*kw, N*L)
    np.testing.assert_array_equal(fast, expected)


@EXAMPLES
@given(case=square_cases())
def test_col2im_is_the_adjoint_of_im2col(case):
    shape, fh, fw, stride, pad, seed = case
    x = normal(seed, shape)
    col = im2col(x, (fh, fw), stride, pad)
    c = normal(seed + 1, col.shape)
    # <im2col(x), c> == <x, col2im(c)> for every x and c
    np.testing.assert_allclose((col * c).sum(), (x * col2im(c, shape, (fh, fw), stride, pad)).sum(),
                               rtol=1e-10, atol=1e-10)


@settings(max_examples=50, deadline=None)
@given(kernel=st.tuples(st.integers(1, 4), st.integers(1, 4)),
       padding=st.tuples(st.integers(0, 3), st.integers(0, 3)),
       size=st.tuples(st.integers(1, 6), st.integers(1, 6)), seed=st.integers(0, 2**32 - 1))
def test_flat_patches_give_every_window_of_the_padded_images(kernel, padding, size, seed):
    """The stride-1 layout: column n*rows*width + u*width + v of the patch matrix is the window
    of output (n, u, v), i.e. the same numbers as im2col, however images share their padding."""
    (kh, kw), (ph, pw), (h, w) = kernel, padding, size
    assume(h + 2 * ph >= kh and w + 2 * pw >= kw)
    x = normal(seed, (2, 3, h, w), np.float32)
    rows, width, lead, reach = flat_layout(size, kernel, padding)
    flat = to_flat(x, rows, width, lead, tail=reach)
    assert flat.dtype == np.float32 and flat.shape == (3, lead + 2 * rows * width + reach)
    patches = flat_patches(flat, kernel, width, 0, 2 * rows * width)
    assert not patches.flags.writeable
    oh, ow = conv_output_size(h, kh, 1, ph), conv_output_size(w, kw, 1, pw)
    grid = patches.reshape(3 * kh * kw, 2, rows, width)[:, :, :oh, :ow].reshape(3 * kh * kw, -1)
    np.testing.assert_array_equal(grid, im2col(x, kernel, 1, padding))
    with pytest.raises(ValueError, match="past the end"):
        flat_patches(flat, kernel, width, lead + 1, 2 * rows * width)


def test_im2col_of_float32_is_float32_and_unchanged_input():
    x = normal(0, (2, 2, 5, 5), np.float32)
    before = x.copy()
    col = im2col(x, 3, 2, 1)
    assert col.dtype == np.float32
    assert col2im(col, x.shape, 3, 2, 1).dtype == np.float32
    np.testing.assert_array_equal(x, before)
