r"""Reductions, and broadcasting as an operation whose gradient is a sum.

``sum`` and ``mean`` over ``axis`` give each input entry the gradient of the sum it went into
(divided by the count for the mean): the upstream gradient copied back along the reduced axes,
``broadcast_to``. ``broadcast_to`` and ``sum_to`` are each other's backward: an entry copied
:math:`k` times receives the sum of its :math:`k` gradients.

``max`` passes the gradient to the entries equal to the maximum; :math:`k` tied entries share it
equally, :math:`1/k` each (as ``torch.amax``), so the gradient is the same whichever of them a
program would have picked.
"""

from __future__ import annotations

import numpy as np

from ...backend import get_array_module
from ...errors import ShapeError
from ..function import Function, constant
from ..tensor import Tensor


def normalize_axes(op: str, axis, ndim: int) -> tuple[int, ...]:
    """``axis`` (None, an int or a tuple) as a sorted tuple of non-negative axes, checked."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = []
    for a in axes:
        if not isinstance(a, int) or not -ndim <= a < (ndim or 1):
            raise ShapeError(f"{op}: axis {a!r} is out of range for a {ndim}-D tensor")
        out.append(a % ndim if ndim else 0)
    if len(set(out)) != len(out):
        raise ShapeError(f"{op}: axis {axis!r} repeats an axis")
    return tuple(sorted(out))


def kept_shape(shape, axes) -> tuple:
    """``shape`` with 1 at each reduced axis (the ``keepdims=True`` shape)."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Function):
    """The sum over ``axes``."""

    def __init__(self, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        self.x_shape = x.shape
        return x.sum(axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy):
        if not self.keepdims:
            gy = gy.reshape(kept_shape(self.x_shape, self.axes))
        return broadcast_to(gy, self.x_shape)


class Mean(Function):
    """The mean over ``axes``."""

    def __init__(self, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        self.x_shape = x.shape
        return x.mean(axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy):
        count = 1
        for a in self.axes:
            count *= self.x_shape[a]
        if not self.keepdims:
            gy = gy.reshape(kept_shape(self.x_shape, self.axes))
        return broadcast_to(gy * (1.0 / count if count else 1.0), self.x_shape)


class Max(Function):
    """The maximum over ``axes``; tied maxima share the gradient equally."""

    def __init__(self, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        y = x.max(axis=self.axes, keepdims=True)
        if self.record:
            hit = x == y
            self.cache = hit / hit.sum(axis=self.axes, keepdims=True).astype(x.dtype)   # 1/k at each max
        return y if self.keepdims else y.reshape([n for i, n in enumerate(y.shape) if i not in self.axes])

    def backward(self, gy):
        share = self.cache
        if not self.keepdims:
            gy = gy.reshape(kept_shape(share.shape, self.axes))
        return broadcast_to(gy, share.shape) * constant(share, gy)


class SumTo(Function):
    """Sums a broadcast gradient back to ``shape``: over the leading axes broadcasting added and
    the axes where ``shape`` has 1."""

    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, x):
        self.x_shape = x.shape
        lead = x.ndim - len(self.shape)
        axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(self.shape)
                                          if n == 1 and x.shape[lead + i] != 1)
        return x.sum(axis=axes, keepdims=True).reshape(self.shape) if axes else x.reshape(self.shape)

    def backward(self, gy):
        return broadcast_to(gy, self.x_shape)


class BroadcastTo(Function):
    """Copies ``x`` along new or size-1 axes to ``shape`` (NumPy's broadcasting, made explicit)."""

    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, x):
        self.x_shape = x.shape
        return get_array_module(x).broadcast_to(x, self.shape).copy()

    def backward(self, gy):
        return sum_to(gy, self.x_shape)


def sum_to(x: Tensor, shape) -> Tensor:
    """``x`` summed to ``shape`` (``x`` itself when it already has it): the shape ``x`` was broadcast from."""
    shape = tuple(shape)
    if x.shape == shape:
        return x
    try:
        fits = np.broadcast_shapes(shape, x.shape) == x.shape
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(f"sum_to: a tensor of shape {x.shape} cannot be summed to {shape} (it is not "
                         f"a shape that broadcasts to {x.shape})")
    return SumTo(shape)(x)


def broadcast_to(x: Tensor, shape) -> Tensor:
    """``x`` broadcast to ``shape`` (``x`` itself when it already has it)."""
    shape = tuple(shape)
    if x.shape == shape:
        return x
    try:
        np.broadcast_shapes(x.shape, shape)
    except ValueError:
        raise ShapeError(f"broadcast_to: shape {x.shape} cannot be broadcast to {shape}") from None
    return BroadcastTo(shape)(x)


def sum(x: Tensor, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001  (PyTorch's name)
    """The sum over ``axis`` (all axes when None)."""
    return Sum(normalize_axes("sum", axis, x.ndim), keepdims)(x)


def mean(x: Tensor, axis=None, keepdims: bool = False) -> Tensor:
    """The mean over ``axis`` (all axes when None)."""
    return Mean(normalize_axes("mean", axis, x.ndim), keepdims)(x)


def max(x: Tensor, axis=None, keepdims: bool = False) -> Tensor:  # noqa: A001  (PyTorch's name)
    """The maximum over ``axis`` (all axes when None); ties share the gradient."""
    if x.size == 0:
        raise ShapeError(f"max: the tensor is empty (shape {x.shape}), it has no maximum")
    return Max(normalize_axes("max", axis, x.ndim), keepdims)(x)
