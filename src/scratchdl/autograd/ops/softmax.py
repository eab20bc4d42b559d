r"""Softmax, log-softmax, and the losses built on them.

.. math::
    y = \mathrm{softmax}(x):\ \frac{\partial L}{\partial x} = y \odot \big(g - \textstyle\sum_j g_j y_j\big),
    \qquad
    \ell = \log\mathrm{softmax}(x):\ \frac{\partial L}{\partial x} = g - e^{\ell} \textstyle\sum_j g_j

``cross_entropy(x, t)`` is the mean over the batch of :math:`-\sum_c t_c \log\mathrm{softmax}(x)_c`
in one node, whose gradient is the famous :math:`(\mathrm{softmax}(x) - t)/N`. Its backward reuses
the softmax kept from forward; when the backward pass is itself recorded (``create_graph``) it
computes the softmax again as a graph, so that its derivative flows into second derivatives.
``binary_cross_entropy_with_logits`` is the same for a sigmoid: :math:`(\sigma(x) - t)/M`.
"""

from __future__ import annotations

import numpy as np

from ...backend import get_array_module
from ...errors import DataError, ShapeError
from .. import mode
from ..function import Function, as_tensors, constant
from ..tensor import Tensor
from .arithmetic import operands
from .elementwise import sigmoid


class Softmax(Function):
    """e^x / sum(e^x) along ``axis`` (shifted by the maximum, so large x do not overflow)."""

    keeps_output = True

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        xp = get_array_module(x)
        e = xp.exp(x - x.max(axis=self.axis, keepdims=True))
        return e / e.sum(axis=self.axis, keepdims=True)

    def backward(self, gy):
        y = self.output()
        return y * (gy - (gy * y).sum(axis=self.axis, keepdims=True))


class LogSoftmax(Function):
    """log softmax(x) = x - max - log sum e^(x - max) along ``axis``."""

    keeps_output = True

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        return _log_softmax(x, self.axis)

    def backward(self, gy):
        return gy - self.output().exp() * gy.sum(axis=self.axis, keepdims=True)


def _log_softmax(x, axis):
    xp = get_array_module(x)
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))


class CrossEntropy(Function):
    """Softmax cross-entropy of logits (N, C) against labels (N,) or target rows (N, C), mean over N."""

    def forward(self, x, t):
        xp = get_array_module(x)
        n = x.shape[0]
        log_p = _log_softmax(x, 1)
        picked = log_p[xp.arange(n), t] if t.ndim == 1 else t * log_p   # log p of the target class
        loss = -picked.sum() / n
        if self.record:
            self.save_for_backward(self.inputs[0])
            self.cache = xp.exp(log_p)
        return xp.asarray(loss, dtype=x.dtype)

    def backward(self, gy):
        (x,) = self.saved_tensors
        p = softmax(x, 1) if mode.is_grad_enabled() else Tensor._wrap(self.cache)
        return (p - constant(self._target_rows(), p)) * (gy / x.shape[0]), None

    def _target_rows(self):
        """The target as rows (N, C): one-hot rows for labels."""
        target = self._target
        if target.ndim == 2:
            return target
        xp = get_array_module(target)
        rows = xp.zeros(self.input_meta[0][0], dtype=self.input_meta[0][1])
        rows[xp.arange(len(target)), target] = 1
        return rows

    def release(self) -> None:
        super().release()
        self._target = None


class BCEWithLogits(Function):
    """Sigmoid then binary cross-entropy, from logits, mean over all elements."""

    def forward(self, x, t):
        xp = get_array_module(x)
        losses = xp.maximum(x, 0) - x * t + xp.log1p(xp.exp(-xp.abs(x)))
        if self.record:
            self.save_for_backward(self.inputs[0])
            self.cache = xp.exp(-xp.logaddexp(x.dtype.type(0), -x))
        return xp.asarray(losses.mean(), dtype=x.dtype)

    def backward(self, gy):
        (x,) = self.saved_tensors
        sigma = sigmoid(x) if mode.is_grad_enabled() else Tensor._wrap(self.cache)
        return (sigma - constant(self._target, sigma)) * (gy / x.size), None

    def release(self) -> None:
        super().release()
        self._target = None


def softmax(x, axis: int = -1) -> Tensor:
    return Softmax(_axis("softmax", axis, x))(x)


def log_softmax(x, axis: int = -1) -> Tensor:
    return LogSoftmax(_axis("log_softmax", axis, x))(x)


def _axis(op: str, axis: int, x: Tensor) -> int:
    if not isinstance(x, Tensor):
        raise ShapeError(f"{op}: expected a Tensor, got {type(x).__name__}")
    if not -x.ndim <= axis < max(x.ndim, 1):
        raise ShapeError(f"{op}: axis {axis} is out of range for shape {x.shape}")
    return axis % max(x.ndim, 1)


def cross_entropy(logits, target) -> Tensor:
    r"""Softmax cross-entropy, mean over the batch: logits (N, C), target labels (N,) or rows (N, C)."""
    op = CrossEntropy()
    x = as_tensors(op, (logits,))[0]
    if x.ndim != 2:
        raise ShapeError(f"cross_entropy: expected logits of shape (N, C), got {x.shape}")
    n, classes = x.shape
    xp = get_array_module(x._data)
    t = target._data if isinstance(target, Tensor) else xp.asarray(target)
    if t.ndim == 1 and t.dtype.kind in "iub":
        if t.shape[0] != n:
            raise ShapeError(f"cross_entropy: expected {n} labels (one per row), got {t.shape[0]}")
        if t.size and (int(t.min()) < 0 or int(t.max()) >= classes):
            bad = int(t.min()) if int(t.min()) < 0 else int(t.max())
            raise DataError(f"cross_entropy: labels must be in [0, {classes - 1}] for {classes} classes, "
                            f"got {bad}")
        t = t.astype(np.int64, copy=False)
    elif t.ndim == 2 and t.shape == x.shape:
        t = t.astype(x.dtype, copy=False)
    else:
        raise ShapeError(f"cross_entropy: expected integer labels of shape ({n},) or targets of shape "
                         f"({n}, {classes}), got shape {tuple(t.shape)} dtype {t.dtype}")
    op._target = t
    return op(x, target if isinstance(target, Tensor) and target._data is t else Tensor._wrap(t))


def binary_cross_entropy_with_logits(logits, target) -> Tensor:
    """Sigmoid then binary cross-entropy, from logits, mean over all elements."""
    op = BCEWithLogits()
    x, t = operands(op, logits, target, broadcast=False)
    if x.shape != t.shape:
        raise ShapeError(f"binary_cross_entropy_with_logits: expected a target of shape {x.shape} (the "
                         f"logits'), got {t.shape}")
    op._target = t._data
    return op(x, Tensor._wrap(t._data))


def mse_loss(prediction, target) -> Tensor:
    """The mean of (prediction - target)^2 over all elements (PyTorch's; the course's halves it)."""
    from .arithmetic import Sub

    y, t = operands(Sub(), prediction, target, broadcast=False)
    if y.shape != t.shape:
        raise ShapeError(f"mse_loss: expected a target of shape {y.shape} (the prediction's), got {t.shape}")
    diff = y - t
    return (diff * diff).mean()
