"""Activation layers. Each backward multiplies the upstream gradient by the local derivative
into a new array; none writes into ``dout`` (a tensor may feed two branches)."""

from __future__ import annotations

import math

import numpy as np

from ..backend import erf, get_array_module
from .blocks import run_elementwise
from .module import Module
from .validate import check_input


class ReLU(Module):
    r"""Rectified linear unit: keeps positive inputs and sets negative ones to zero.

    :math:`y = \max(0, x)`; :math:`\partial L/\partial x = \delta \cdot [x > 0]`.

    Both passes run over blocks of the flattened arrays on every core (``blocks.run_elementwise``):
    one core alone cannot draw all the memory bandwidth these two streaming passes need.
    """

    def forward(self, x):
        check_input(self, x)
        xp = get_array_module(x)
        y, mask = xp.empty(x.shape, dtype=x.dtype), xp.empty(x.shape, dtype=bool)
        x_flat, y_flat, mask_flat = x.reshape(-1), y.reshape(-1), mask.reshape(-1)

        def block(i0, i1):
            xp.greater(x_flat[i0:i1], 0, out=mask_flat[i0:i1])
            _maximum_with_zero(x_flat[i0:i1], y_flat[i0:i1], xp)   # NaN stays NaN, as in PyTorch

        run_elementwise(block, x.size, x.itemsize, xp)
        self._cache = mask
        return y

    def backward(self, dout):
        mask = self.saved()
        xp = get_array_module(dout)
        dx = xp.empty(dout.shape, dtype=dout.dtype)
        d_flat, mask_flat, dx_flat = dout.reshape(-1), mask.reshape(-1), dx.reshape(-1)

        def block(i0, i1):
            xp.multiply(d_flat[i0:i1], mask_flat[i0:i1], out=dx_flat[i0:i1])

        run_elementwise(block, dout.size, dout.itemsize, xp)
        return dx


_ZERO_ROW = 1024


def _maximum_with_zero(x, out, xp) -> None:
    """``out = max(x, 0)`` for 1-D ``x``. NumPy's ``maximum`` against the scalar 0 takes a slower
    loop than against an array (5 MB: 0.72 against 0.46 ms), so the bulk is compared, row by row,
    with a row of zeros."""
    bulk = x.size - x.size % _ZERO_ROW if xp is np else 0
    if bulk:
        zeros = np.zeros(_ZERO_ROW, dtype=x.dtype)
        np.maximum(x[:bulk].reshape(-1, _ZERO_ROW), zeros, out=out[:bulk].reshape(-1, _ZERO_ROW))
    xp.maximum(x[bulk:], 0, out=out[bulk:])


class LeakyReLU(Module):
    r"""Like ReLU, but lets a small fraction of each negative input through.

    :math:`y = x` for :math:`x > 0`, else :math:`\alpha x`;
    :math:`\partial L/\partial x = \delta \cdot (1 \text{ if } x > 0 \text{ else } \alpha)`."""

    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"

    def forward(self, x):
        check_input(self, x)
        xp = get_array_module(x)
        slope = xp.where(x > 0, x.dtype.type(1), x.dtype.type(self.negative_slope))
        self._cache = slope
        return x * slope

    def backward(self, dout):
        return dout * self.saved()


class Sigmoid(Module):
    r"""Squashes each input into (0, 1) with the logistic function.

    :math:`y = 1/(1 + e^{-x})`; :math:`\partial L/\partial x = \delta\, y (1 - y)`."""

    def forward(self, x):
        check_input(self, x)
        xp = get_array_module(x)
        # exp(-logaddexp(0, -x)) equals 1/(1+e^{-x}) without overflow for large |x|.
        y = xp.exp(-xp.logaddexp(x.dtype.type(0), -x))
        self._cache = y
        return y

    def backward(self, dout):
        y = self.saved()
        return dout * y * (1 - y)


class Tanh(Module):
    r"""Squashes each input into (-1, 1) with the hyperbolic tangent.

    :math:`y = \tanh x`; :math:`\partial L/\partial x = \delta (1 - y^2)`."""

    def forward(self, x):
        check_input(self, x)
        y = get_array_module(x).tanh(x)
        self._cache = y
        return y

    def backward(self, dout):
        y = self.saved()
        return dout * (1 - y * y)


class GELU(Module):
    r"""Gaussian error linear unit: each input weighted by the chance a standard normal lies below it.

    :math:`y = x\,\Phi(x)` with :math:`\Phi(x) = \tfrac12(1 + \mathrm{erf}(x/\sqrt2))`;
    :math:`\partial L/\partial x = \delta\,(\Phi(x) + x\,\varphi(x))`, :math:`\varphi` the normal density.

    ``approximate="tanh"`` uses :math:`\tfrac12 x (1 + \tanh(\sqrt{2/\pi}(x + 0.044715 x^3)))`,
    as PyTorch does.
    """

    def __init__(self, approximate: str = "none"):
        super().__init__()
        self.approximate = approximate

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}" if self.approximate != "none" else ""

    def forward(self, x):
        check_input(self, x)
        xp = get_array_module(x)
        self._cache = x
        if self.approximate == "tanh":
            inner = math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)
            return 0.5 * x * (1 + xp.tanh(inner))
        return 0.5 * x * (1 + erf(x / math.sqrt(2)))

    def backward(self, dout):
        x = self.saved()
        xp = get_array_module(x)
        if self.approximate == "tanh":
            c = math.sqrt(2 / math.pi)
            t = xp.tanh(c * (x + 0.044715 * x**3))
            local = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)
        else:
            cdf = 0.5 * (1 + erf(x / math.sqrt(2)))
            pdf = xp.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
            local = cdf + x * pdf
        return dout * local.astype(x.dtype, copy=False)


class Softmax(Module):
    r"""Turns scores into probabilities that are positive and sum to one.

    :math:`y_i = e^{x_i} / \sum_j e^{x_j}` along ``dim`` (max-shifted);
    :math:`\partial L/\partial x = y \odot (\delta - \sum_j \delta_j y_j)`."""

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = dim

    def extra_repr(self) -> str:
        return f"dim={self.dim}"

    def forward(self, x):
        check_input(self, x)
        xp = get_array_module(x)
        e = xp.exp(x - x.max(axis=self.dim, keepdims=True))
        y = e / e.sum(axis=self.dim, keepdims=True)
        self._cache = y
        return y

    def backward(self, dout):
        y = self.saved()
        return y * (dout - (dout * y).sum(axis=self.dim, keepdims=True))


ACTIVATIONS = {
    "relu": ReLU,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "leaky_relu": LeakyReLU,
    "gelu": GELU,
}


def activation(name: str) -> Module:
    """A new activation layer by name (``relu``, ``sigmoid``, ``tanh``, ``leaky_relu``, ``gelu``)."""
    from ..errors import unknown_name

    if name not in ACTIVATIONS:
        raise unknown_name("activation", name, ACTIVATIONS)
    return ACTIVATIONS[name]()
