r"""The book's ``common/gradient.py``: numerical gradients by central differences.

.. math::
    \frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h}, \qquad h = 10^{-4}

Each entry of ``x`` is changed in place, ``f(x)`` evaluated, and the entry restored, so ``f`` may
ignore its argument and read the same array elsewhere: the book's ``loss_W = lambda W:
self.loss(x, t)`` works because the network's layers hold the very arrays of ``params``.
"""

from __future__ import annotations

import numpy as np

from ..backend import get_array_module

__all__ = ["numerical_gradient", "numerical_gradient_2d"]

H = 1e-4


def _numerical_gradient_1d(f, x):
    """Central differences for a 1-D ``x``."""
    grad = get_array_module(x).zeros_like(x)
    for idx in range(x.size):
        tmp_val = x[idx]
        x[idx] = float(tmp_val) + H
        fxh1 = f(x)
        x[idx] = tmp_val - H
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * H)
        x[idx] = tmp_val
    return grad


def numerical_gradient_2d(f, X):  # noqa: N803 (the book's name)
    """Central differences row by row for a 2-D ``X`` (``f`` sees one row at a time), or for a 1-D one."""
    if X.ndim == 1:
        return _numerical_gradient_1d(f, X)
    grad = get_array_module(X).zeros_like(X)
    for idx, x in enumerate(X):
        grad[idx] = _numerical_gradient_1d(f, x)
    return grad


def numerical_gradient(f, x):
    """Central differences for every entry of ``x``, any shape, in C order."""
    grad = get_array_module(x).zeros_like(x)
    for idx in np.ndindex(x.shape):
        tmp_val = x[idx]
        x[idx] = tmp_val + H
        fxh1 = f(x)
        x[idx] = tmp_val - H
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * H)
        x[idx] = tmp_val
    return grad
