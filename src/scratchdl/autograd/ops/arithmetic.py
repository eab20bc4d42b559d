r"""Arithmetic: + - * / ** and negation, with NumPy's broadcasting.

Each backward multiplies the upstream gradient :math:`g` by the local derivative, then sums it
back to its input's shape (``sum_to``): an input broadcast along an axis was used once per entry
of that axis, and the gradients of its uses add up.

.. math::
    \frac{\partial(a+b)}{\partial a} = 1,\quad \frac{\partial(ab)}{\partial a} = b,\quad
    \frac{\partial(a/b)}{\partial b} = -\frac{a}{b^2},\quad
    \frac{\partial a^b}{\partial a} = b\,a^{b-1},\quad \frac{\partial a^b}{\partial b} = a^b \log a
"""

from __future__ import annotations

import numpy as np

from ...errors import DTypeError, ShapeError
from ..function import Function, as_tensors, constant
from ..tensor import Tensor, is_number
from .reduce import sum_to


class Add(Function):
    """a + b."""

    def forward(self, a, b):
        self.shapes = (a.shape, b.shape)
        return a + b

    def backward(self, gy):
        need_a, need_b = self.needs_input_grad
        return (sum_to(gy, self.shapes[0]) if need_a else None,
                sum_to(gy, self.shapes[1]) if need_b else None)


class Sub(Function):
    """a - b."""

    def forward(self, a, b):
        self.shapes = (a.shape, b.shape)
        return a - b

    def backward(self, gy):
        need_a, need_b = self.needs_input_grad
        return (sum_to(gy, self.shapes[0]) if need_a else None,
                sum_to(-gy, self.shapes[1]) if need_b else None)


class Mul(Function):
    """a * b."""

    def forward(self, a, b):
        ta, tb = self.inputs
        need_a, need_b = self.needs_input_grad
        self.save_for_backward(ta if need_b else None, tb if need_a else None)   # only what is used
        return a * b

    def backward(self, gy):
        a, b = self.saved_tensors
        need_a, need_b = self.needs_input_grad
        shape_a, shape_b = self.input_meta[0][0], self.input_meta[1][0]
        return (sum_to(gy * b, shape_a) if need_a else None,
                sum_to(gy * a, shape_b) if need_b else None)


class Div(Function):
    """a / b."""

    def forward(self, a, b):
        self.save_for_backward(*self.inputs)
        return a / b

    def backward(self, gy):
        a, b = self.saved_tensors
        need_a, need_b = self.needs_input_grad
        ga = gy / b if need_a or need_b else None
        return (sum_to(ga, a.shape) if need_a else None,
                sum_to(-ga * a / b, b.shape) if need_b else None)


class Neg(Function):
    """-x."""

    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy


class PowConst(Function):
    """x ** c for a constant number c."""

    def __init__(self, c):
        self.c = c

    def forward(self, x):
        self.save_for_backward(*self.inputs)
        return x ** self.c

    def backward(self, gy):
        (x,) = self.saved_tensors
        c = self.c
        if c == 2:
            return gy * (2 * x)
        if c == 1:
            return gy
        return gy * (c * x ** (c - 1))

    def label(self) -> str:
        return f"Pow({self.c:g})"


class Pow(Function):
    """a ** b for two tensors."""

    keeps_output = True

    def forward(self, a, b):
        self.save_for_backward(*self.inputs)
        return a ** b

    def backward(self, gy):
        a, b = self.saved_tensors
        need_a, need_b = self.needs_input_grad
        ga = sum_to(gy * b * a ** (b - 1), a.shape) if need_a else None
        gb = sum_to(gy * self.output() * a.log(), b.shape) if need_b else None
        return ga, gb


def operands(op: Function, a, b, broadcast: bool = True) -> tuple[Tensor, Tensor]:
    """``a`` and ``b`` as tensors for a binary ``op``: numbers, arrays and integer tensors take the
    floating one's dtype; two floating dtypes that differ, or (``broadcast``) shapes that do not
    broadcast, are errors naming ``op``."""
    if type(a) is Tensor and type(b) is Tensor and type(a._data) is np.ndarray \
            and type(b._data) is np.ndarray and a._data.dtype == b._data.dtype \
            and (a._data.shape == b._data.shape or not broadcast):
        return a, b                                   # the common case, checked in one line
    a, b = as_tensors(op, (a, b))
    da, db = a._data.dtype, b._data.dtype
    if da != db:
        if da.kind == "f" and db.kind == "f":
            raise DTypeError(f"{op.label()}: a {da} and a {db} tensor; cast one with .astype(...) "
                             f"(scratchdl does not widen float32 to float64 behind your back)")
        if da.kind == "f":
            b = constant(b._data, a, op)
        elif db.kind == "f":
            a = constant(a._data, b, op)
    if broadcast and a.shape != b.shape:
        try:
            np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            raise ShapeError(f"{op.label()}: shapes {a.shape} and {b.shape} do not broadcast (each axis, "
                             f"counted from the right, must be equal or 1)") from None
    return a, b


def add(a, b) -> Tensor:
    op = Add()
    return op(*operands(op, a, b))


def sub(a, b) -> Tensor:
    op = Sub()
    return op(*operands(op, a, b))


def mul(a, b) -> Tensor:
    op = Mul()
    return op(*operands(op, a, b))


def div(a, b) -> Tensor:
    op = Div()
    return op(*operands(op, a, b))


def neg(x) -> Tensor:
    return Neg()(x)


def power(a, b) -> Tensor:
    """``a ** b``: a constant exponent when ``b`` is a number, else both differentiable."""
    if isinstance(a, Tensor) and is_number(b) and not isinstance(b, bool):
        return PowConst(b.item() if isinstance(b, np.generic) else b)(a)
    op = Pow()
    return op(*operands(op, a, b))
