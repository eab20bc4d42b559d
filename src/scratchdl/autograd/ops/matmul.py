r"""Matrix products, and the affine layer fused into one operation.

For :math:`Y = AB` and upstream gradient :math:`G`:

.. math::
    \frac{\partial L}{\partial A} = G B^\top, \qquad \frac{\partial L}{\partial B} = A^\top G

(batched over leading axes, summed back where they were broadcast). ``linear(x, W, b)`` is
:math:`xW + b` with the course's ``W`` of shape (in, out), one node in the graph instead of three;
its backward is the formula above plus :math:`\partial L/\partial b = \sum_n G_n`, written with
the same Tensor operations, so it too can be differentiated again. 2-D products go through
``nn.blocks.matmul``, which shares the CPU cores with the convolution kernels as the ``Linear``
layer does.
"""

from __future__ import annotations

import numpy as np

from ...backend import get_array_module
from ...errors import ShapeError
from ...nn.blocks import matmul as blocks_matmul
from ..function import Function
from ..tensor import Tensor
from .arithmetic import operands
from .reduce import sum_to
from .shape import Transpose


def _product(a, b):
    xp = get_array_module(a)
    if a.ndim == 2 and b.ndim == 2:
        return blocks_matmul(a, b, xp=xp)
    return xp.matmul(a, b)


def _swap(t: Tensor) -> Tensor:
    """``t`` with its last two axes swapped."""
    if t.ndim == 2:
        return t.T
    return t.transpose(tuple(range(t.ndim - 2)) + (t.ndim - 1, t.ndim - 2))


class MatMul(Function):
    """a @ b for tensors of two or more axes."""

    def forward(self, a, b):
        ta, tb = self.inputs
        need_a, need_b = self.needs_input_grad
        self.save_for_backward(ta if need_b else None, tb if need_a else None)
        return _product(a, b)

    def backward(self, gy):
        a, b = self.saved_tensors
        need_a, need_b = self.needs_input_grad
        shape_a, shape_b = self.input_meta[0][0], self.input_meta[1][0]
        return (sum_to(gy @ _swap(b), shape_a) if need_a else None,
                sum_to(_swap(a) @ gy, shape_b) if need_b else None)


class Linear(Function):
    """x W + b, W of shape (in, out); x of shape (..., in)."""

    def forward(self, x, w, b=None):
        tx, tw = self.inputs[:2]
        need_x, need_w = self.needs_input_grad[:2]
        self.save_for_backward(tx if need_w else None, tw if need_x else None)
        y = _product(x.reshape(-1, w.shape[0]), w)                                  # x W
        if b is not None:
            y += b                                                                  #   + b
        return y.reshape(*x.shape[:-1], w.shape[1]) if x.ndim != 2 else y

    def backward(self, gy):
        x, w = self.saved_tensors
        needs = self.needs_input_grad
        x_shape, (n_in, n_out) = self.input_meta[0][0], self.input_meta[1][0]
        g2 = gy if gy.ndim == 2 else gy.reshape(-1, n_out)
        gx = gw = None
        if needs[0]:
            gx = MatMul()(g2, Transpose(None)(w))                                    # G W^T
            gx = gx if len(x_shape) == 2 else gx.reshape(x_shape)
        if needs[1]:
            x2 = x if x.ndim == 2 else x.reshape(-1, n_in)
            gw = MatMul()(Transpose(None)(x2), g2)                                   # x^T G
        if len(needs) == 2:
            return gx, gw
        return gx, gw, (g2.sum(axis=0) if needs[2] else None)                        # sum_n G


def matmul(a, b) -> Tensor:
    """``a @ b`` with NumPy's rules: 1-D operands are vectors, leading axes broadcast."""
    op = MatMul()
    a, b = operands(op, a, b, broadcast=False)
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(f"MatMul: shapes {a.shape} @ {b.shape}: a product needs at least one axis on each "
                         f"side (use * to scale)")
    vector_a, vector_b = a.ndim == 1, b.ndim == 1
    a2 = a.reshape(1, -1) if vector_a else a
    b2 = b.reshape(-1, 1) if vector_b else b
    if a2.shape[-1] != b2.shape[-2]:
        raise ShapeError(f"MatMul: shapes {a.shape} @ {b.shape}: the inner sizes {a2.shape[-1]} and "
                         f"{b2.shape[-2]} differ")
    try:
        np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
    except ValueError:
        raise ShapeError(f"MatMul: shapes {a.shape} @ {b.shape}: the leading (batch) axes do not "
                         f"broadcast") from None
    y = op(a2, b2)
    if vector_a or vector_b:
        shape = y.shape[:-2] + (() if vector_a else y.shape[-2:-1]) + (() if vector_b else y.shape[-1:])
        y = y.reshape(shape)
    return y


def linear(x, weight, bias=None) -> Tensor:
    """``x @ weight + bias`` with the course's ``weight`` of shape (in_features, out_features)."""
    op = Linear()
    x, weight = operands(op, x, weight, broadcast=False)
    if weight.ndim != 2:
        raise ShapeError(f"linear: the weight must be 2-D (in_features, out_features), got {weight.shape}")
    if x.ndim < 1 or x.shape[-1] != weight.shape[0]:
        raise ShapeError(f"linear: the input's last axis must be in_features = {weight.shape[0]} (the "
                         f"weight is {weight.shape}, (in, out) as in the course), got input {x.shape}")
    if bias is None:
        return op(x, weight)
    _, bias = operands(op, weight, bias, broadcast=False)
    if bias.shape != (weight.shape[1],):
        raise ShapeError(f"linear: the bias must have shape ({weight.shape[1]},), got {bias.shape}")
    return op(x, weight, bias)
