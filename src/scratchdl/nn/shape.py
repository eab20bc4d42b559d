"""Layers that only move numbers around: Identity and Flatten."""

from __future__ import annotations

from .module import Module
from .validate import check_input


class Identity(Module):
    """Passes its input through unchanged.

    :math:`y = x`; :math:`\\partial L/\\partial x = \\delta`."""

    def forward(self, x):
        self._cache = True
        return x

    passes_none = True

    def backward(self, dout):
        self.saved()
        return dout


class Flatten(Module):
    """Reshapes each sample into one long vector, e.g. an image into features for a Linear layer.

    (N, d1, d2, ...) -> (N, d1*d2*...); backward reshapes the gradient back (None, when the
    layer after it skipped the input gradient, stays None)."""

    passes_none = True

    def forward(self, x):
        check_input(self, x, ndim=tuple(range(1, 9)))
        self._cache = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout):
        shape = self.saved()
        return None if dout is None else dout.reshape(shape)
