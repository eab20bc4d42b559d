r"""The book's ``common/util.py``: ``smooth_curve``, ``shuffle_dataset``, ``conv_output_size``,
``im2col`` and ``col2im``.

``im2col`` / ``col2im`` give the book's layout, a (N·oh·ow, C·fh·fw) matrix of patches, with
the book's numbers, but from scratchdl's strided views (``scratchdl.nn.im2col``) instead of a copy
per kernel offset into a zeroed buffer. Kept as the book has them:

- the result is float64 whatever the input's dtype (the book fills ``np.zeros(...)``, float64), so a
  float32 image becomes a float64 patch matrix;
- ``conv_output_size`` is true division, :math:`(H + 2p - f)/s + 1`: 12.5 for (28, 5, 2), where the
  layers round down to 12;
- ``shuffle_dataset`` draws its permutation from NumPy's global generator (``np.random.seed``).
"""

from __future__ import annotations

import numpy as np

from ..backend import get_array_module
from ..calls import explain_call
from ..nn.im2col import pad_images, sample_col2im, window_view
from .checks import check_array

__all__ = ["col2im", "conv_output_size", "im2col", "shuffle_dataset", "smooth_curve"]


def smooth_curve(x):
    """A loss curve smoothed for plotting: a Kaiser window of 11 points (beta 2), the ends
    mirrored; as long as ``x``."""
    window_len = 11
    s = np.r_[x[window_len - 1:0:-1], x, x[-1:-window_len:-1]]
    w = np.kaiser(window_len, 2)
    y = np.convolve(w / w.sum(), s, mode="valid")
    return y[5:len(y) - 5]


def shuffle_dataset(x, t):
    """``x`` and ``t`` in one random order, drawn by ``np.random.permutation`` (the global generator)."""
    permutation = np.random.permutation(x.shape[0])  # noqa: NPY002
    x = x[permutation, :] if x.ndim == 2 else x[permutation, :, :, :]
    t = t[permutation]
    return x, t


def conv_output_size(input_size, filter_size, stride=1, pad=0):
    r""":math:`(H + 2p - f)/s + 1`, true division: the book returns 12.5, not 12, for (28, 5, 2)."""
    return (input_size + 2 * pad - filter_size) / stride + 1


def _float64(x):
    xp = get_array_module(x)
    return x.astype(xp.result_type(x.dtype, xp.float64), copy=False)


@explain_call("the book's call is im2col(input_data, filter_h, filter_w, stride=1, pad=0)")
def im2col(input_data, filter_h, filter_w, stride=1, pad=0):
    r"""(N, C, H, W) images -> (N·oh·ow, C·fh·fw) patches, float64: row :math:`(n, y, x)` holds
    :math:`x^{pad}_{n, c, sy + i, sx + j}` at column :math:`(c, i, j)`."""
    check_array(input_data, "im2col(input_data, filter_h, filter_w, stride=1, pad=0)", "input_data", ndim=4)
    x = _float64(input_data)
    windows = window_view(pad_images(x, pad), (filter_h, filter_w), stride)      # (N, C, oh, ow, fh, fw)
    n, c, oh, ow = windows.shape[:4]
    xp = get_array_module(x)
    return xp.ascontiguousarray(windows.transpose(0, 2, 3, 1, 4, 5)).reshape(n * oh * ow, -1)


@explain_call("the book's call is col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0)")
def col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    """Adjoint of ``im2col``: (N·oh·ow, C·fh·fw) -> (N, C, H, W), each entry added back onto its
    pixel (overlapping windows sum), float64."""
    n = input_shape[0]
    col = _float64(col)
    patches = col.reshape(n, -1, col.shape[1]).transpose(0, 2, 1)               # (N, C*fh*fw, oh*ow)
    return sample_col2im(patches, tuple(input_shape), (filter_h, filter_w), stride, pad)
