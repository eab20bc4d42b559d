r"""The reference strategy: the course's im2col, written to be read, not to be fast.

Convolution: ``col = im2col(x)`` (C·kh·kw, N·oh·ow) for the whole batch, kept until backward;
:math:`Y = W_2\,\mathrm{col} + b`, :math:`\partial L/\partial W_2 = \delta\,\mathrm{col}^\top`,
:math:`\partial L/\partial b = \sum \delta`, :math:`\partial L/\partial x = \mathrm{col2im}(W_2^\top\delta)`
with :math:`\delta` laid out as (O, N·oh·ow).

Pooling: every channel of every sample is an image of its own, (N·C, 1, H, W), so
``im2col`` gives one row per kernel offset and one column per output pixel; max pooling takes each
column's maximum (``argmax`` keeps its row: the first maximum, as PyTorch) over the input padded
with :math:`-\infty`, average pooling its mean over the zero-padded input. Backward puts
:math:`\delta` into those rows (the argmax row, or every row divided by kh·kw) and ``col2im``
adds them back onto the pixels.
"""

from __future__ import annotations

import math

from ...backend import get_array_module
from ..im2col import col2im, im2col, pad_images


def _transpose_out(y2, n, out_hw):
    """(O, N·oh·ow) -> (N, O, oh, ow)."""
    xp = get_array_module(y2)
    return xp.ascontiguousarray(y2.reshape(y2.shape[0], n, *out_hw).transpose(1, 0, 2, 3))


def conv2d_forward(x, weight, bias, stride, padding, input_grad):
    o, _, kh, kw = weight.shape
    col = im2col(x, (kh, kw), stride, padding)
    y2 = weight.reshape(o, -1) @ col                                         # Y = W2 col
    if bias is not None:
        y2 += bias[:, None]                                                  #   + b
    n, h, w = x.shape[0], x.shape[2], x.shape[3]
    oh, ow = (h + 2 * padding[0] - kh) // stride[0] + 1, (w + 2 * padding[1] - kw) // stride[1] + 1
    return _transpose_out(y2, n, (oh, ow)), (col, x.shape)


def conv2d_backward(dout, cache, weight, has_bias, stride, padding, input_grad):
    col, x_shape = cache
    o, _, kh, kw = weight.shape
    delta = get_array_module(dout).ascontiguousarray(dout.transpose(1, 0, 2, 3)).reshape(o, -1)
    dw = (delta @ col.T).reshape(weight.shape)                               # dW2 = delta col^T
    db = delta.sum(axis=1) if has_bias else None                             # db = sum delta
    dx = None
    if input_grad:
        dx = col2im(weight.reshape(o, -1).T @ delta, x_shape, (kh, kw), stride, padding)
    return dx, dw, db


def _channel_columns(x, kernel, stride, padding, pad_value):
    """im2col of each channel on its own: (kh·kw, N·C·oh·ow), padded with ``pad_value``."""
    n, c, h, w = x.shape
    padded = pad_images(x.reshape(n * c, 1, h, w), padding, pad_value)
    return im2col(padded, kernel, stride, 0)


def _channel_col2im(dcol, x_shape, kernel, stride, padding):
    n, c, h, w = x_shape
    ph, pw = padding
    dpad = col2im(dcol, (n * c, 1, h + 2 * ph, w + 2 * pw), kernel, stride, 0)
    return dpad[:, :, ph:ph + h, pw:pw + w].reshape(x_shape)


def _pool_shape(x_shape, kernel, stride, padding):
    n, c, h, w = x_shape
    return (n, c, (h + 2 * padding[0] - kernel[0]) // stride[0] + 1,
            (w + 2 * padding[1] - kernel[1]) // stride[1] + 1)


def max_pool2d_forward(x, kernel, stride, padding):
    col = _channel_columns(x, kernel, stride, padding, -math.inf)
    out_shape = _pool_shape(x.shape, kernel, stride, padding)
    return col.max(axis=0).reshape(out_shape), (col.argmax(axis=0), x.shape)


def max_pool2d_backward(dout, cache, kernel, stride, padding):
    argmax, x_shape = cache
    xp = get_array_module(dout)
    dcol = xp.zeros((kernel[0] * kernel[1], argmax.size), dtype=dout.dtype)
    dcol[argmax, xp.arange(argmax.size)] = dout.reshape(-1)                 # delta into the max's row
    return _channel_col2im(dcol, x_shape, kernel, stride, padding)


def avg_pool2d_forward(x, kernel, stride, padding):
    col = _channel_columns(x, kernel, stride, padding, 0)
    return col.mean(axis=0).reshape(_pool_shape(x.shape, kernel, stride, padding)), x.shape


def avg_pool2d_backward(dout, cache, kernel, stride, padding):
    xp = get_array_module(dout)
    share = dout.reshape(1, -1) / dout.dtype.type(kernel[0] * kernel[1])
    dcol = xp.broadcast_to(share, (kernel[0] * kernel[1], share.shape[1]))
    return _channel_col2im(dcol, cache, kernel, stride, padding)
