"""The affine layer, in the course's layout: y = x W + b with W of shape (in, out)."""

from __future__ import annotations

from .. import book_hints
from ..backend import get_array_module
from ..calls import explain_call
from .blocks import matmul
from .init import initialize
from .module import Module, Parameter
from .validate import check_input


class Linear(Module):
    r"""Fully connected (affine) layer: each output is a weighted sum of the inputs plus a bias.

    Affine layer :math:`y = xW + b`, ``W`` of shape (in_features, out_features).

    Backward, for upstream gradient :math:`\delta = \partial L/\partial y` (shape (N, out)):

    .. math::
        \frac{\partial L}{\partial x} = \delta W^\top, \quad
        \frac{\partial L}{\partial W} = x^\top \delta, \quad
        \frac{\partial L}{\partial b} = \textstyle\sum_n \delta_n

    Inputs with more than two dimensions are treated as (..., in_features).
    PyTorch stores the transpose (out, in): see ``scratchdl.interop``. The book's names read the
    same arrays: ``W`` is ``weight.data``, ``b`` is ``bias.data``, ``dW`` is ``weight.grad`` and
    ``db`` is ``bias.grad``.

    The products go through ``blocks.matmul``: on BLAS's own threads in an MLP, and in a network
    that runs convolution blocks, with BLAS on one thread and large products split by rows over
    the cores, so that BLAS's threads are not left spinning beside the blocks.
    """

    @explain_call(book_hints.AFFINE)
    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 init="he_normal", rng=None, dtype=None):
        for size in (in_features, out_features):
            book_hints.refuse_array(size, "Linear(in_features, out_features)", book_hints.AFFINE)
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(initialize(init, (in_features, out_features), "in_out", rng, dtype))
        xp = get_array_module(self.weight.data)
        self.bias = Parameter(xp.zeros(out_features, dtype=self.weight.data.dtype)) if bias else None

    def extra_repr(self) -> str:
        return f"{self.in_features}, {self.out_features}"

    def forward(self, x):
        check_input(self, x, axis=-1, size=self.in_features)
        self._cache = x
        xp = get_array_module(x)
        y = matmul(x.reshape(-1, self.in_features), self.weight.data, xp=xp)          # x W
        if self.bias is not None:
            y += self.bias.data
        return y.reshape(*x.shape[:-1], self.out_features)

    def backward(self, dout):
        x = self.saved()
        xp = get_array_module(dout)
        x2, d2 = x.reshape(-1, self.in_features), dout.reshape(-1, self.out_features)
        grad, add = self.weight.grad_target()
        matmul(x2.T, d2, out=grad, add=add, xp=xp)                                  # += x^T delta
        if self.bias is not None:
            self.bias.grad += d2.sum(axis=0)
        if not self.input_grad:
            return None
        return matmul(d2, self.weight.data.T, xp=xp).reshape(*dout.shape[:-1], self.in_features)

    def macs(self, input_shape, output_shape) -> int:
        """Multiply-adds for one sample."""
        rows = 1
        for n in input_shape[1:-1]:
            rows *= n
        return rows * self.in_features * self.out_features


Affine = Linear
