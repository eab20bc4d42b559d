r"""Elementwise functions and their derivatives, each written with Tensor operations so that it can
be differentiated again.

.. math::
    (e^x)' = e^x,\quad (\log x)' = 1/x,\quad \tanh' x = 1 - \tanh^2 x,\quad
    \sigma'(x) = \sigma(x)(1 - \sigma(x)),\quad \mathrm{erf}'(x) = \tfrac{2}{\sqrt\pi} e^{-x^2}

ReLU's derivative is the 0/1 mask :math:`[x > 0]` (a constant: its own derivative is 0 almost
everywhere), applied by ``Mask``, whose backward is the same mask again. Large arrays are cut
into ranges spread over the CPU cores (``nn.blocks.run_elementwise``), as the ReLU layer does.
"""

from __future__ import annotations

import math

import numpy as np

from ...backend import erf as _erf
from ...backend import get_array_module
from ...errors import ShapeError
from ...nn.blocks import run_elementwise
from ..function import Function, as_tensors, constant
from ..tensor import Tensor
from .arithmetic import operands
from .reduce import sum_to


class Exp(Function):
    """e to the x."""

    keeps_output = True

    def forward(self, x):
        return get_array_module(x).exp(x)

    def backward(self, gy):
        return gy * self.output()


class Log(Function):
    """The natural logarithm."""

    def forward(self, x):
        self.save_for_backward(*self.inputs)
        return get_array_module(x).log(x)

    def backward(self, gy):
        (x,) = self.saved_tensors
        return gy / x


class Tanh(Function):
    """The hyperbolic tangent."""

    keeps_output = True

    def forward(self, x):
        return get_array_module(x).tanh(x)

    def backward(self, gy):
        y = self.output()
        return gy * (1 - y * y)


class Sigmoid(Function):
    """The logistic function 1 / (1 + e^-x), computed without overflow."""

    keeps_output = True

    def forward(self, x):
        xp = get_array_module(x)
        return xp.exp(-xp.logaddexp(x.dtype.type(0), -x))

    def backward(self, gy):
        y = self.output()
        return gy * y * (1 - y)


class Erf(Function):
    """The error function."""

    def forward(self, x):
        self.save_for_backward(*self.inputs)
        return _erf(x).astype(x.dtype, copy=False)

    def backward(self, gy):
        (x,) = self.saved_tensors
        return gy * ((-(x * x)).exp() * (2 / math.sqrt(math.pi)))


class ReLU(Function):
    """max(0, x); NaN stays NaN."""

    def forward(self, x):
        xp = get_array_module(x)
        y = xp.empty(x.shape, dtype=x.dtype)
        mask = xp.empty(x.shape, dtype=bool) if self.record else None
        x_flat, y_flat = x.reshape(-1), y.reshape(-1)
        mask_flat = None if mask is None else mask.reshape(-1)

        def block(i0, i1):
            if mask_flat is not None:
                xp.greater(x_flat[i0:i1], 0, out=mask_flat[i0:i1])
            _max_with_zero(x_flat[i0:i1], y_flat[i0:i1], xp)

        run_elementwise(block, x.size, x.itemsize, xp)
        self.cache = mask
        return y

    def backward(self, gy):
        return Mask(self.cache)(gy)


class Mask(Function):
    """``g`` times a fixed boolean mask (ReLU's derivative, where's branches, dropout's keep)."""

    def __init__(self, mask):
        self.mask = mask

    def forward(self, g):
        self.g_shape = g.shape
        mask = self.mask
        if g.shape != mask.shape:
            return g * mask
        xp = get_array_module(g)
        out = xp.empty(g.shape, dtype=g.dtype)
        g_flat, m_flat, o_flat = g.reshape(-1), mask.reshape(-1), out.reshape(-1)

        def block(i0, i1):
            xp.multiply(g_flat[i0:i1], m_flat[i0:i1], out=o_flat[i0:i1])

        run_elementwise(block, g.size, g.itemsize, xp)
        return out

    def backward(self, gg):
        return sum_to(Mask(self.mask)(gg), self.g_shape)


class LeakyReLU(Function):
    """x for x > 0, else slope * x."""

    def __init__(self, negative_slope):
        self.negative_slope = negative_slope

    def forward(self, x):
        xp = get_array_module(x)
        slope = xp.where(x > 0, x.dtype.type(1), x.dtype.type(self.negative_slope))
        self.cache = slope if self.record else None
        return x * slope

    def backward(self, gy):
        return gy * constant(self.cache, gy)

    def label(self) -> str:
        return f"LeakyReLU({self.negative_slope:g})"


class Where(Function):
    """``a`` where ``condition`` holds, else ``b``."""

    def __init__(self, condition):
        self.condition = condition

    def forward(self, a, b):
        self.shapes = (a.shape, b.shape)
        return get_array_module(a).where(self.condition, a, b)

    def backward(self, gy):
        need_a, need_b = self.needs_input_grad
        return (sum_to(Mask(self.condition)(gy), self.shapes[0]) if need_a else None,
                sum_to(Mask(~self.condition)(gy), self.shapes[1]) if need_b else None)


_ZERO_ROW = 1024
_zero_rows: dict = {}


def _max_with_zero(x, out, xp) -> None:
    """``out = max(x, 0)`` for 1-D arrays; NumPy compares faster against a row of zeros than
    against the scalar 0, so the bulk goes row by row."""
    bulk = x.size - x.size % _ZERO_ROW if xp is np else 0
    if bulk:
        zeros = _zero_rows.get(x.dtype)
        if zeros is None:
            zeros = _zero_rows[x.dtype] = np.zeros(_ZERO_ROW, dtype=x.dtype)
        np.maximum(x[:bulk].reshape(-1, _ZERO_ROW), zeros, out=out[:bulk].reshape(-1, _ZERO_ROW))
    xp.maximum(x[bulk:], 0, out=out[bulk:])


def exp(x) -> Tensor:
    return Exp()(x)


def log(x) -> Tensor:
    return Log()(x)


def tanh(x) -> Tensor:
    return Tanh()(x)


def sigmoid(x) -> Tensor:
    return Sigmoid()(x)


def erf(x) -> Tensor:
    return Erf()(x)


def relu(x) -> Tensor:
    return ReLU()(x)


def leaky_relu(x, negative_slope: float = 0.01) -> Tensor:
    return LeakyReLU(negative_slope)(x)


def where(condition, a, b) -> Tensor:
    """``a`` where ``condition`` (a boolean tensor or array) holds, else ``b``."""
    condition = condition._data if isinstance(condition, Tensor) else condition
    op = Where(None)
    a, b = operands(op, a, b)
    xp = get_array_module(a._data)
    condition = xp.asarray(condition, dtype=bool)
    try:
        np.broadcast_shapes(condition.shape, a.shape, b.shape)
    except ValueError:
        raise ShapeError(f"where: the condition {condition.shape} and the values {a.shape}, {b.shape} "
                         f"do not broadcast") from None
    op.condition = condition
    return op(*as_tensors(op, (a, b)))
