"""Losses: ``forward(y, t)`` returns the mean loss as a Python float, ``backward()`` returns
dL/dy, already divided by the number of samples (elements, for the elementwise losses).

``forward`` is ``check(y, t)`` then ``value(y, t)``: ``check`` reads only shapes and, for
labels given on the host, the labels themselves; ``value`` returns the loss as a 0-d array on
``y``'s device. A training loop on a GPU calls the two itself and reads the sum of the losses
back only when a person will see it (``float`` waits for everything queued on the GPU).
"""

from __future__ import annotations

import numpy as np

from .. import book_hints
from ..backend import get_array_module
from ..calls import explain_call
from ..errors import DataError, ShapeError
from .module import Module
from .validate import check_input


class Loss(Module):
    """A module whose forward takes (prediction, target) and whose backward takes nothing."""

    def __call__(self, y, t):
        return self.forward(y, t)

    def forward(self, y, t) -> float:
        """``check``, then ``value`` read back as a Python float. A subclass defines
        ``value(y, t)``: the mean loss as a 0-d array on ``y``'s device (``t`` moved there if
        needed), keeping what ``backward`` needs, with no checks (``check`` does them)."""
        self.check(y, t)
        return float(self.value(y, t))

    def check(self, y, t) -> None:
        """Raise a scratchdl error unless ``t`` is a valid target for prediction ``y``."""
        self._check_same_shape(y, t)

    def _check_same_shape(self, y, t):
        check_input(self, y)
        if tuple(t.shape) != tuple(y.shape):
            raise ShapeError(
                f"{self.name()}: expected a target of shape {tuple(y.shape)} (the prediction's), "
                f"got {tuple(t.shape)}"
            )


def log_softmax(x, axis: int = -1):
    r""":math:`\log \mathrm{softmax}(x) = x - \max x - \log \sum e^{x - \max x}` (stable)."""
    xp = get_array_module(x)
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))


class CrossEntropyLoss(Loss):
    r"""Classification loss: softmax of the scores, then minus the log-probability of the true class.

    Softmax cross-entropy from logits ``y`` of shape (N, C), mean over the batch.

    Targets are class indices ``t`` (N,) or one-hot / probability rows (N, C):

    .. math::
        L = -\frac1N \sum_n \sum_c t_{nc} \log \mathrm{softmax}(y_n)_c, \qquad
        \frac{\partial L}{\partial y} = \frac{\mathrm{softmax}(y) - t}{N}

    ``log softmax`` comes from log-sum-exp, so large logits neither overflow nor need ``+1e-7``.
    Alias: ``SoftmaxWithLoss``.
    """

    def check(self, y, t):
        check_input(self, y, ndim=2)
        n, classes = y.shape
        t = t if hasattr(t, "ndim") else np.asarray(t)
        if t.ndim == 1 and not np.issubdtype(t.dtype, np.floating):
            if t.shape[0] != n:
                raise ShapeError(f"{self.name()}: expected {n} labels (one per row), got {t.shape[0]}")
            if t.size and (int(t.min()) < 0 or int(t.max()) >= classes):
                bad = int(t.min()) if int(t.min()) < 0 else int(t.max())
                raise DataError(
                    f"{self.name()}: labels must be in [0, {classes - 1}] for {classes} classes, "
                    f"got {bad}"
                )
        elif t.ndim == 2:
            self._check_same_shape(y, t)
        else:
            raise ShapeError(
                f"{self.name()}: expected integer labels of shape ({n},) or targets of shape "
                f"({n}, {classes}), got shape {tuple(t.shape)} dtype {t.dtype}"
            )

    def value(self, y, t):
        xp = get_array_module(y)
        n = y.shape[0]
        t = xp.asarray(t)
        if t.ndim == 1:
            target = xp.zeros_like(y)
            target[xp.arange(n), t] = 1
        else:
            target = t.astype(y.dtype, copy=False)
        log_p = log_softmax(y)
        self._cache = (xp.exp(log_p), target)
        return -(target * log_p).sum() / n

    @explain_call(book_hints.LOSS)
    def backward(self):
        p, target = self.saved()
        return (p - target) / p.shape[0]


SoftmaxWithLoss = CrossEntropyLoss


class MSELoss(Loss):
    r"""Regression loss: the mean of the squared differences between predictions and targets.

    :math:`L = \frac1M \sum (y - t)^2` over all :math:`M` elements;
    :math:`\partial L/\partial y = 2 (y - t) / M` (PyTorch's convention; the course's
    ``mean_squared_error`` halves it)."""

    def value(self, y, t):
        diff = y - get_array_module(y).asarray(t).astype(y.dtype, copy=False)
        self._cache = diff
        return (diff * diff).mean()

    @explain_call(book_hints.LOSS)
    def backward(self):
        diff = self.saved()
        return 2 * diff / diff.size


class BCEWithLogitsLoss(Loss):
    r"""Binary classification loss: the cross-entropy of a sigmoid, computed from raw scores.

    Sigmoid plus binary cross-entropy, from logits ``y``, mean over elements:

    .. math::
        L = \frac1M \sum \big(\max(y, 0) - y t + \log(1 + e^{-|y|})\big), \qquad
        \frac{\partial L}{\partial y} = \frac{\sigma(y) - t}{M}
    """

    def value(self, y, t):
        xp = get_array_module(y)
        t = xp.asarray(t).astype(y.dtype, copy=False)
        losses = xp.maximum(y, 0) - y * t + xp.log1p(xp.exp(-xp.abs(y)))
        sigma = xp.exp(-xp.logaddexp(y.dtype.type(0), -y))
        self._cache = (sigma, t)
        return losses.mean()

    @explain_call(book_hints.LOSS)
    def backward(self):
        sigma, t = self.saved()
        return (sigma - t) / sigma.size
