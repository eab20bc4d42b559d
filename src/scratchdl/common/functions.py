r"""The book's ``common/functions.py`` ("Deep Learning from Scratch"): the output first, the
target second, ``cross_entropy_error(y, t)``.

The course's ``scratchdl.functions`` takes them the other way round, ``(d, y)`` (target first);
``scratchdl.common.install(functions="course")`` gives that module to ``common.functions`` instead.

Kept as the book has them, with the numbers they change:

- ``softmax`` normalises over the last axis for any number of axes (a (2, 3, 4) input is 6
  distributions of 4), where ``scratchdl.functions.softmax`` normalises a 3-D input as one;
- ``cross_entropy_error(y, t)`` adds 1e-7 inside the log: a probability of exactly 1 gives
  :math:`-\log(1 + 10^{-7}) \approx -10^{-7}`, not 0, and a 0 gives 16.1, not infinity;
- ``relu_grad`` is 1 at 0 (``x >= 0``), where ``scratchdl.functions.d_relu`` is 0 there;
- ``sum_squared_error`` is the halved *sum* over every element (not a mean, not per sample).

``sigmoid`` gives the book's numbers without NumPy's overflow warning for inputs below -709.
Called with the course's order, ``cross_entropy_error(t, y)``, where that can be told (labels
first, or a one-hot array first and probabilities second) is an ``ArgumentError``.
"""

from __future__ import annotations

import numpy as np

from ..backend import get_array_module
from ..calls import explain_call
from ..errors import ArgumentError
from .checks import check_cross_entropy_order, is_array

__all__ = [
    "cross_entropy_error", "identity_function", "relu", "relu_grad", "sigmoid", "sigmoid_grad",
    "softmax", "softmax_loss", "step_function", "sum_squared_error",
]


def identity_function(x):
    """``x`` itself: the output layer of a regression."""
    return x


def step_function(x):
    """1 where x > 0, else 0 (an int array)."""
    return get_array_module(x).array(x > 0, dtype=int)


def sigmoid(x):
    r""":math:`\sigma(x) = 1 / (1 + e^{-x})`."""
    with np.errstate(over="ignore"):  # e^{710} = inf gives the correct 1/(1+inf) = 0
        return 1 / (1 + get_array_module(x).exp(-x))


def sigmoid_grad(x):
    r""":math:`\sigma'(x) = (1 - \sigma(x))\,\sigma(x)`, at most 0.25 (at 0)."""
    return (1.0 - sigmoid(x)) * sigmoid(x)


def relu(x):
    r""":math:`\max(0, x)`."""
    return get_array_module(x).maximum(0, x)


def relu_grad(x):
    """1 where x >= 0, else 0 (the book's choice at 0 is 1), in ``x``'s dtype."""
    grad = get_array_module(x).zeros_like(x)
    grad[x >= 0] = 1
    return grad


def softmax(x):
    r""":math:`e^{x_i - \max x} / \sum_j e^{x_j - \max x}` over the last axis."""
    xp = get_array_module(x)
    x = x - xp.max(x, axis=-1, keepdims=True)
    return xp.exp(x) / xp.sum(xp.exp(x), axis=-1, keepdims=True)


def sum_squared_error(y, t):
    r""":math:`\frac12 \sum (y - t)^2` over every element."""
    return 0.5 * get_array_module(y).sum((y - t) ** 2)


@explain_call("the book's order is cross_entropy_error(y, t): the output first, then the target")
def cross_entropy_error(y, t):
    r""":math:`-\frac1N \sum_n \log(y_{n, t_n} + 10^{-7})`: ``y`` the probabilities (N, C) or (C,),
    ``t`` the labels (N,) or one-hot rows (N, C)."""
    check_cross_entropy_order(y, t)
    xp = get_array_module(y)
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)
    if t.size == y.size:  # one-hot targets -> indices
        t = t.argmax(axis=1)
    batch_size = y.shape[0]
    return -xp.sum(xp.log(y[xp.arange(batch_size), t] + 1e-7)) / batch_size


@explain_call("the book's order is softmax_loss(X, t): the scores first, then the target")
def softmax_loss(X, t):  # noqa: N803 (the book's name)
    """``cross_entropy_error(softmax(X), t)``."""
    if is_array(X) and is_array(t) and X.dtype.kind in "iub" and t.dtype.kind == "f":
        raise ArgumentError("softmax_loss(X, t) takes the scores X first and the target t second; got "
                            f"integer labels of shape {tuple(X.shape)} first")
    return cross_entropy_error(softmax(X), t)
