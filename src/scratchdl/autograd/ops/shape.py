r"""Operations that move numbers without changing them: reshape, transpose, indexing, concatenate,
stack and casts. Each backward moves the gradient back the same way: reshape back, transpose by the
inverse permutation, scatter into zeros at the indexed places (adding where an index repeats),
slice the concatenated gradient into its pieces.
"""

from __future__ import annotations

import math

import numpy as np

from ...backend import get_array_module
from ...errors import ShapeError
from ..function import Function, as_tensors
from ..tensor import Tensor, _index_arrays


class Reshape(Function):
    """The same numbers in a new shape."""

    view = True

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.x_shape = x.shape
        return x.reshape(self.shape)

    def backward(self, gy):
        return gy.reshape(self.x_shape)


class Transpose(Function):
    """Axes permuted (reversed when ``axes`` is None)."""

    view = True

    def __init__(self, axes):
        self.axes = axes

    def forward(self, x):
        return x.transpose(self.axes)

    def backward(self, gy):
        if self.axes is None:
            return gy.transpose(None)
        return gy.transpose(tuple(int(i) for i in np.argsort(self.axes)))


class GetItem(Function):
    """``x[index]``: basic slicing or advanced (array) indexing."""

    view = True

    def __init__(self, index):
        self.index = index

    def forward(self, x):
        self.x_shape = x.shape
        return x[self.index]

    def backward(self, gy):
        return GetItemGrad(self.index, self.x_shape)(gy)

    def label(self) -> str:
        return "GetItem"


class GetItemGrad(Function):
    """Zeros of the indexed tensor's shape with ``gy`` added at ``index`` (repeated indices add up)."""

    def __init__(self, index, shape):
        self.index, self.shape = index, shape

    def forward(self, gy):
        xp = get_array_module(gy)
        out = xp.zeros(self.shape, dtype=gy.dtype)
        if _is_advanced(self.index):
            if xp is np:
                np.add.at(out, self.index, gy)
            else:
                import cupyx

                cupyx.scatter_add(out, self.index, gy)
        else:
            out[self.index] = gy
        return out

    def backward(self, ggx):
        return GetItem(self.index)(ggx)


class Concatenate(Function):
    """Tensors joined along ``axis``."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, *xs):
        self.sizes = [x.shape[self.axis] for x in xs]
        return get_array_module(xs[0]).concatenate(xs, axis=self.axis)

    def backward(self, gy):
        grads, start = [], 0
        for size, need in zip(self.sizes, self.needs_input_grad, strict=True):
            index = (slice(None),) * self.axis + (slice(start, start + size),)
            grads.append(gy[index] if need else None)
            start += size
        return tuple(grads)


class Stack(Function):
    """Tensors of one shape stacked along a new ``axis``."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, *xs):
        return get_array_module(xs[0]).stack(xs, axis=self.axis)

    def backward(self, gy):
        return tuple(gy[(slice(None),) * self.axis + (i,)] if need else None
                     for i, need in enumerate(self.needs_input_grad))


class Cast(Function):
    """The same values in another floating dtype."""

    def __init__(self, dtype):
        self.dtype = np.dtype(dtype)

    def forward(self, x):
        self.x_dtype = x.dtype
        return x.astype(self.dtype)

    def backward(self, gy):
        return Cast(self.x_dtype)(gy)

    def label(self) -> str:
        return f"Cast({self.dtype})"


def _is_advanced(index) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(hasattr(p, "shape") or isinstance(p, list) for p in parts)


def reshape(x: Tensor, shape) -> Tensor:
    """The same numbers in ``shape`` (one entry may be -1)."""
    shape = tuple(int(n) for n in shape)
    if shape == x.shape:
        return x
    known = math.prod(n for n in shape if n != -1)
    if shape.count(-1) > 1 or (-1 in shape and (known == 0 or x.size % known)) or \
            (-1 not in shape and known != x.size) or any(n < -1 for n in shape):
        raise ShapeError(f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} numbers) into "
                         f"{shape}")
    return Reshape(shape)(x)


def transpose(x: Tensor, axes=None) -> Tensor:
    """Axes permuted by ``axes`` (reversed when None)."""
    if axes is not None:
        axes = tuple(int(a) % max(x.ndim, 1) for a in axes)
        if sorted(axes) != list(range(x.ndim)):
            raise ShapeError(f"transpose: axes {axes} are not a permutation of the {x.ndim} axes of a "
                             f"tensor of shape {x.shape}")
    if x.ndim < 2:
        return x
    return Transpose(axes)(x)


def getitem(x: Tensor, index) -> Tensor:
    """``x[index]``."""
    index = _index_arrays(index)
    try:
        np.empty(x.shape, dtype=np.bool_)[index]           # the index checked on a cheap array
    except IndexError as e:
        raise ShapeError(f"GetItem: index {index!r} does not fit a tensor of shape {x.shape}: {e}") from None
    return GetItem(index)(x)


def concatenate(tensors, axis: int = 0) -> Tensor:
    """The tensors joined along ``axis`` (every other axis must agree)."""
    tensors = list(tensors)
    if not tensors:
        raise ShapeError("concatenate: got no tensors")
    op = Concatenate(0)
    tensors = as_tensors(op, tuple(tensors))
    ndim = tensors[0].ndim
    if ndim == 0 or not -ndim <= axis < ndim:
        raise ShapeError(f"concatenate: axis {axis} is out of range for {ndim}-D tensors")
    op.axis = axis % ndim
    for t in tensors[1:]:
        if t.ndim != ndim or any(a != b for i, (a, b) in enumerate(zip(t.shape, tensors[0].shape,
                                                                       strict=True)) if i != op.axis):
            raise ShapeError(f"concatenate: shapes {[s.shape for s in tensors]} differ outside axis {axis}")
    return op(*tensors)


def stack(tensors, axis: int = 0) -> Tensor:
    """Tensors of one shape stacked along a new ``axis``."""
    tensors = list(tensors)
    if not tensors:
        raise ShapeError("stack: got no tensors")
    op = Stack(0)
    tensors = as_tensors(op, tuple(tensors))
    ndim = tensors[0].ndim + 1
    if not -ndim <= axis < ndim:
        raise ShapeError(f"stack: axis {axis} is out of range for stacking {ndim - 1}-D tensors")
    op.axis = axis % ndim
    if len({t.shape for t in tensors}) > 1:
        raise ShapeError(f"stack: the tensors must have one shape, got {[t.shape for t in tensors]}")
    return op(*tensors)


def astype(x: Tensor, dtype) -> Tensor:
    """``x`` in ``dtype``; a gradient flows only between floating dtypes."""
    dtype = np.dtype(dtype)
    if dtype == x.dtype:
        return x
    if dtype.kind != "f" or x.dtype.kind != "f":
        return Tensor._wrap(x._data.astype(dtype))
    return Cast(dtype)(x)
