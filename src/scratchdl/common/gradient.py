r"""The book's ``common/gradient.py``: numerical gradients by central differences.

.. math::
    \frac{\partial f}{\partial x_i} \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h}, \qquad h = 10^{-4}

Each entry of ``x`` is changed in place, ``f(x)`` evaluated, and the entry restored, so ``f`` may
ignore its argument and read the same array elsewhere: the book's ``loss_W = lambda W:
self.loss(x, t)`` works because the network's layers hold the very arrays of ``params``.
``numerical_gradient`` is the course's own (``scratchdl.functions``): the same formula and ``h``.
"""

from __future__ import annotations

from ..backend import get_array_module
from ..functions import numerical_gradient

__all__ = ["numerical_gradient", "numerical_gradient_2d"]


def numerical_gradient_2d(f, X):  # noqa: N803 (the book's name)
    """Central differences row by row for a 2-D ``X`` (``f`` sees one row at a time), or for a 1-D one."""
    if X.ndim == 1:
        return numerical_gradient(f, X)
    grad = get_array_module(X).zeros_like(X)
    for idx, x in enumerate(X):
        grad[idx] = numerical_gradient(f, x)
    return grad
