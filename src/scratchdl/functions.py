"""The course's functions (Rabbit Challenge ``common/functions.py``), same names, same
argument order ``(d, y)`` (target first), same numbers, quirks included:

- ``cross_entropy_error`` takes probabilities and adds 1e-7 inside the log;
- ``d_sigmoid_with_loss(d, y)`` is ``y - d`` with no batch division (the course uses it after a
  softmax too, where it is the softmax-with-loss gradient of one sample);
- ``d_softmax_with_loss`` divides by ``d.shape[0]``;
- ``mean_squared_error`` is the mean over all elements, halved;
- ``step_function`` and ``d_relu`` return integer arrays.

Two things are fixed: ``sigmoid`` gives 0 and 1 for inputs such as -1000 and 1000 without an
overflow warning, and ``numerical_gradient`` works on arrays of any shape. ``im2col`` and
``col2im`` keep their teaching loops over the kernel window; the layers use
``scratchdl.nn.im2col``, which gives the same numbers without them.

``from scratchdl import functions`` replaces ``from common import functions``.
"""

from __future__ import annotations

import numpy as np

from .backend import get_array_module


def print_vec(text, vec):
    """Print ``*** text ***``, the value, and a blank line."""
    print("*** " + text + " ***")
    print(vec)
    print("")


# ---- activations ------------------------------------------------------------------------------
def sigmoid(x):
    r""":math:`\sigma(x) = 1/(1 + e^{-x})`."""
    xp = get_array_module(x)
    with np.errstate(over="ignore"):  # e^{1000} = inf gives the correct 1/(1+inf) = 0
        return 1 / (1 + xp.exp(-x))


def relu(x):
    r""":math:`\max(0, x)`."""
    return get_array_module(x).maximum(0, x)


def step_function(x):
    """1 where x > 0, else 0 (integers)."""
    return get_array_module(x).where(x > 0, 1, 0)


def tanh(x):
    r""":math:`\tanh x`."""
    return get_array_module(x).tanh(x)


def softmax(x):
    r""":math:`e^{x_i - \max x} / \sum_j e^{x_j - \max x}`, per row for 2-D input."""
    xp = get_array_module(x)
    if x.ndim == 2:
        x = x - xp.max(x, axis=1, keepdims=True)
        return xp.exp(x) / xp.sum(xp.exp(x), axis=1, keepdims=True)
    x = x - xp.max(x)
    return xp.exp(x) / xp.sum(xp.exp(x))


# ---- losses -----------------------------------------------------------------------------------
def mean_squared_error(d, y):
    r""":math:`\frac12 \mathrm{mean}((d - y)^2)`."""
    xp = get_array_module(y)
    return xp.mean(xp.square(d - y)) / 2


def cross_entropy_error(d, y):
    r""":math:`-\frac1N \sum_n \log(y_{n, d_n} + 10^{-7})`; ``d`` one-hot or class indices.

    The target comes first, as in the course. Called the book's way round, ``(y, t)``, with
    probabilities first and one-hot labels second, it would compute a meaningless (often negative)
    number: that case gives a ``SwappedArgumentsWarning``, once per process, and the course's number."""
    xp = get_array_module(y)
    if not _warned_swapped and _looks_swapped(d, y):
        _warn_swapped()
    if y.ndim == 1:
        d = d.reshape(1, d.size)
        y = y.reshape(1, y.size)
    if d.size == y.size:  # one-hot targets -> indices
        d = d.argmax(axis=1)
    batch_size = y.shape[0]
    return -xp.sum(xp.log(y[xp.arange(batch_size), d] + 1e-7)) / batch_size


_warned_swapped = False


def _is_one_hot(a) -> bool:
    """Every value 0 or 1, and one 1 per row (per array, if 1-D)."""
    xp = get_array_module(a)
    rows = a.reshape(-1, a.shape[-1])
    return bool(xp.all((rows == 0) | (rows == 1)) and xp.all(rows.sum(axis=1) == 1))


def _looks_swapped(d, y) -> bool:
    """``d`` looks like probabilities (floats in [0, 1], rows summing to 1, not one-hot) and ``y``
    like one-hot labels of the same shape: ``cross_entropy_error(y, t)``, the book's order."""
    xp = get_array_module(y)
    if not (hasattr(d, "shape") and hasattr(y, "shape")) or d.shape != y.shape or d.size == 0:
        return False
    if not xp.issubdtype(d.dtype, xp.floating):
        return False
    rows = d.reshape(-1, d.shape[-1])
    probabilities = bool(xp.all((rows >= 0) & (rows <= 1)) and xp.allclose(rows.sum(axis=1), 1, atol=1e-3))
    return probabilities and not _is_one_hot(d) and _is_one_hot(y)


def _warn_swapped() -> None:
    import warnings

    from .errors import SwappedArgumentsWarning

    global _warned_swapped
    _warned_swapped = True
    warnings.warn("cross_entropy_error(d, y) takes the target first, as the course does; its first "
                  "argument looks like probabilities and its second like one-hot labels (the order of "
                  "'Deep Learning from Scratch', cross_entropy_error(y, t)), so the number it returns is "
                  "not the loss: call cross_entropy_error(d, y) with the labels first (said once)",
                  SwappedArgumentsWarning, stacklevel=3)


def softmax_with_loss(d, x):
    """``cross_entropy_error(d, softmax(x))``."""
    return cross_entropy_error(d, softmax(x))


# ---- derivatives ------------------------------------------------------------------------------
def d_sigmoid(x):
    r""":math:`\sigma'(x) = (1 - \sigma(x))\,\sigma(x)`, at most 0.25 (at 0)."""
    return (1.0 - sigmoid(x)) * sigmoid(x)


def d_relu(x):
    """1 where x > 0, else 0 (integers)."""
    return get_array_module(x).where(x > 0, 1, 0)


def d_step_function(x):
    """0: the step function is flat wherever it is differentiable."""
    return 0


def d_tanh(x):
    r""":math:`1 - \tanh^2 x`."""
    return 1.0 - get_array_module(x).tanh(x) ** 2


def d_mean_squared_error(d, y):
    """``(y - d) / batch_size`` for arrays, ``y - d`` for scalars."""
    if hasattr(d, "shape") and d.ndim > 0:
        return (y - d) / d.shape[0]
    return y - d


def d_softmax_with_loss(d, y):
    """``(y - d) / batch_size`` for one-hot ``d``; for indices, 1 subtracted at each label."""
    xp = get_array_module(y)
    batch_size = d.shape[0]
    if d.size == y.size:
        return (y - d) / batch_size
    dx = y.copy()
    dx[xp.arange(batch_size), d] -= 1
    return dx / batch_size


def d_sigmoid_with_loss(d, y):
    """``y - d``."""
    return y - d


# ---- numerical differentiation ---------------------------------------------------------------
def numerical_gradient(f, x):
    r"""Central difference :math:`(f(x + h) - f(x - h)) / 2h`, :math:`h = 10^{-4}`, for each
    entry of ``x`` (any shape; ``x`` is changed and restored in place)."""
    h = 1e-4
    grad = get_array_module(x).zeros_like(x)
    for idx in np.ndindex(x.shape):
        tmp_val = x[idx]
        x[idx] = tmp_val + h
        fxh1 = f(x)
        x[idx] = tmp_val - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val
    return grad


# ---- image <-> matrix, as taught (loops over the kernel window only) ---------------------------
def im2col(input_data, filter_h, filter_w, stride=1, pad=0):
    """(N, C, H, W) images -> (N*out_h*out_w, C*filter_h*filter_w) matrix of patches."""
    xp = get_array_module(input_data)
    N, C, H, W = input_data.shape
    out_h = (H + 2 * pad - filter_h) // stride + 1
    out_w = (W + 2 * pad - filter_w) // stride + 1
    img = xp.pad(input_data, [(0, 0), (0, 0), (pad, pad), (pad, pad)], "constant")
    col = xp.zeros((N, C, filter_h, filter_w, out_h, out_w), dtype=input_data.dtype)
    for y in range(filter_h):
        y_max = y + stride * out_h
        for x in range(filter_w):
            x_max = x + stride * out_w
            col[:, :, y, x, :, :] = img[:, :, y:y_max:stride, x:x_max:stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(N * out_h * out_w, -1)


def col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    """Inverse of ``im2col``: patches summed back into (N, C, H, W) images."""
    xp = get_array_module(col)
    N, C, H, W = input_shape
    out_h = (H + 2 * pad - filter_h) // stride + 1
    out_w = (W + 2 * pad - filter_w) // stride + 1
    col = col.reshape(N, out_h, out_w, C, filter_h, filter_w).transpose(0, 3, 4, 5, 1, 2)
    img = xp.zeros((N, C, H + 2 * pad + stride - 1, W + 2 * pad + stride - 1), dtype=col.dtype)
    for y in range(filter_h):
        y_max = y + stride * out_h
        for x in range(filter_w):
            x_max = x + stride * out_w
            img[:, :, y:y_max:stride, x:x_max:stride] += col[:, :, y, x, :, :]
    return img[:, :, pad:H + pad, pad:W + pad]
