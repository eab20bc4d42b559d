r"""The whole-batch strategy (the GPU's): few large kernels, one matrix product per layer and pass.

A GPU has the memory for the whole batch and runs one large kernel far faster than many small
ones, so here nothing is cut into cache-sized blocks (the CPU strategy's launches one after
another were what made the GPU slower than two CPU cores).

Convolution, with ``col = im2col(x)`` (C·kh·kw, N·oh·ow) and :math:`\delta` as (O, N·oh·ow):

- forward: :math:`Y = W_2\,\mathrm{col}`, one product; the bias is added while (O, N, oh, ow) is
  turned into the output's (N, O, oh, ow), one elementwise pass;
- backward: :math:`\partial L/\partial W_2 = \delta\,\mathrm{col}^\top` (``col`` rebuilt from the
  input kept by forward: a patch matrix is kh·kw times the input, too big to keep for every
  layer), :math:`\partial L/\partial b = \sum\delta`,
  :math:`\partial L/\partial x = \mathrm{col2im}(W_2^\top\delta)`.

Only when the patch matrix of the whole batch would pass ``CHUNK_BYTES`` is the batch cut into a
few chunks of samples, to bound the memory a layer needs on top of its activations.

The patch copies and the pooling passes go through a tiny dispatch on the array's library: CuPy
arrays use the kernels of ``cuda.py`` (one thread per output element); NumPy arrays (this
strategy forced in CI, ``kernels.use("batch")``) use NumPy equivalents over the whole batch:
``im2col``/``col2im`` of ``nn/im2col.py`` and kh·kw strided elementwise passes for pooling.
No value is read back to the host: every decision depends on shapes only.
"""

from __future__ import annotations

import math

import numpy as np

from ...backend import get_array_module
from .. import im2col as _im2col
from ..im2col import conv_output_size, pad_images

# Patch matrices of more bytes than this are built for chunks of samples, one after another.
# W4's 16->16 layer at batch 1024 needs 462 MB: two chunks. Not tuned on a GPU yet.
CHUNK_BYTES = 256 << 20


def _on_gpu(a) -> bool:
    """Whether ``a`` is a CuPy array, whose work goes to the kernels of ``cuda.py``."""
    return get_array_module(a) is not np


def _cuda():
    from . import cuda

    return cuda


def _chunks(n: int, bytes_per_sample: int) -> list[tuple[int, int]]:
    """As few ``(n0, n1)`` chunks of equal size as keep each under ``CHUNK_BYTES``."""
    count = max(1, min(n, -(-n * bytes_per_sample // CHUNK_BYTES)))
    size = -(-n // count)
    return [(n0, min(n0 + size, n)) for n0 in range(0, n, size)]


def im2col(x, kernel, stride, padding):
    """(N, C, H, W) -> (C·kh·kw, N·oh·ow), one kernel on CuPy."""
    if _on_gpu(x):
        return _cuda().im2col(x, kernel, stride, padding)
    return _im2col.im2col(x, kernel, stride, padding)


def col2im(col, x_shape, kernel, stride, padding):
    """Adjoint of ``im2col``: (C·kh·kw, N·oh·ow) -> (N, C, H, W), one kernel on CuPy."""
    if _on_gpu(col):
        return _cuda().col2im(col, x_shape, kernel, stride, padding)
    return _im2col.col2im(col, x_shape, kernel, stride, padding)


# ---- convolution ---------------------------------------------------------------------------------
def conv2d_forward(x, weight, bias, stride, padding, input_grad):
    xp = get_array_module(x)
    o, c, kh, kw = weight.shape
    n, _, h, w = x.shape
    oh, ow = conv_output_size(h, kh, stride[0], padding[0]), conv_output_size(w, kw, stride[1], padding[1])
    w2 = weight.reshape(o, -1)
    y = xp.empty((n, o, oh, ow), dtype=x.dtype)
    for n0, n1 in _chunks(n, c * kh * kw * oh * ow * x.itemsize):
        col = im2col(x[n0:n1], (kh, kw), stride, padding)
        out = (w2 @ col).reshape(o, n1 - n0, oh, ow).transpose(1, 0, 2, 3)        # Y = W2 col
        if bias is None:
            y[n0:n1] = out
        else:
            xp.add(out, bias[:, None, None], out=y[n0:n1])                       #   + b
        del col, out
    return y, x


def conv2d_backward(dout, x, weight, has_bias, stride, padding, input_grad):
    xp = get_array_module(dout)
    o, c, kh, kw = weight.shape
    n, _, oh, ow = dout.shape
    w2 = weight.reshape(o, -1)
    dw2 = db = None
    dx = xp.empty(x.shape, dtype=dout.dtype) if input_grad else None
    for n0, n1 in _chunks(n, c * kh * kw * oh * ow * dout.itemsize):
        delta = xp.ascontiguousarray(dout[n0:n1].transpose(1, 0, 2, 3)).reshape(o, -1)
        col = im2col(x[n0:n1], (kh, kw), stride, padding)
        part = delta @ col.T                                                     # dW2 = delta col^T
        dw2 = part if dw2 is None else dw2 + part
        del col
        if has_bias:
            part = delta.sum(axis=1)                                             # db = sum delta
            db = part if db is None else db + part
        if dx is not None:                                                       # dx = col2im(W2^T delta)
            dx[n0:n1] = col2im(w2.T @ delta, (n1 - n0, *x.shape[1:]), (kh, kw), stride, padding)
    return dx, dw2.reshape(weight.shape), db


# ---- pooling -------------------------------------------------------------------------------------
def _pool_shape(x_shape, kernel, stride, padding):
    n, c, h, w = x_shape
    return (n, c, conv_output_size(h, kernel[0], stride[0], padding[0]),
            conv_output_size(w, kernel[1], stride[1], padding[1]))


def _offset_views(padded, out_shape, kernel, stride):
    """NumPy: the strided view of ``padded`` under each kernel offset, row-major."""
    (kh, kw), (sh, sw), (oh, ow) = kernel, stride, out_shape[2:]
    for i in range(kh):
        for j in range(kw):
            yield padded[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw]


def _argmax_dtype(kernel):
    return np.uint8 if kernel[0] * kernel[1] <= 256 else np.int32


def max_pool2d_forward(x, kernel, stride, padding):
    out_shape = _pool_shape(x.shape, kernel, stride, padding)
    if _on_gpu(x):
        return _cuda().max_pool_forward(x, out_shape, kernel, stride, padding, _argmax_dtype(kernel))
    y = np.empty(out_shape, dtype=x.dtype)
    argmax = np.zeros(out_shape, dtype=_argmax_dtype(kernel))
    views = _offset_views(pad_images(x, padding, -math.inf), out_shape, kernel, stride)
    y[...] = next(views)
    for offset, view in enumerate(views, start=1):
        # the first maximum wins ties (strictly greater); a NaN, once in y, stays there
        better = view > y
        argmax[better] = offset
        np.maximum(y, view, out=y)
    return y, (argmax, x.shape)


def max_pool2d_backward(dout, cache, kernel, stride, padding):
    argmax, x_shape = cache
    if _on_gpu(dout):
        return _cuda().max_pool_backward(dout, argmax, x_shape, kernel, stride, padding)
    dpad = np.zeros(_padded_shape(x_shape, padding), dtype=dout.dtype)
    for offset, target in enumerate(_offset_views(dpad, argmax.shape, kernel, stride)):
        target += np.where(argmax == offset, dout, dout.dtype.type(0))
    return _crop(dpad, x_shape, padding)


def avg_pool2d_forward(x, kernel, stride, padding):
    out_shape = _pool_shape(x.shape, kernel, stride, padding)
    if _on_gpu(x):
        return _cuda().avg_pool_forward(x, out_shape, kernel, stride, padding), x.shape
    y = np.zeros(out_shape, dtype=x.dtype)
    for view in _offset_views(pad_images(x, padding), out_shape, kernel, stride):
        y += view
    y *= x.dtype.type(1.0 / (kernel[0] * kernel[1]))
    return y, x.shape


def avg_pool2d_backward(dout, x_shape, kernel, stride, padding):
    if _on_gpu(dout):
        return _cuda().avg_pool_backward(dout, x_shape, kernel, stride, padding)
    dpad = np.zeros(_padded_shape(x_shape, padding), dtype=dout.dtype)
    share = dout * dout.dtype.type(1.0 / (kernel[0] * kernel[1]))
    for target in _offset_views(dpad, dout.shape, kernel, stride):
        target += share
    return _crop(dpad, x_shape, padding)


def _padded_shape(x_shape, padding):
    n, c, h, w = x_shape
    return n, c, h + 2 * padding[0], w + 2 * padding[1]


def _crop(dpad, x_shape, padding):
    (ph, pw), (h, w) = padding, x_shape[2:]
    return np.ascontiguousarray(dpad[:, :, ph:ph + h, pw:pw + w])
