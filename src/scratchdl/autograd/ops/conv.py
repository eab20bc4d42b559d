r"""2-D convolution through scratchdl's im2col kernels, with every derivative a graph operation.

With ``col = im2col(x)`` and :math:`W_2` = ``W.reshape(O, -1)`` (PyTorch's (O, C, kh, kw) weight),
forward is :math:`Y = W_2\,\mathrm{col} + b` and for :math:`G = \partial L/\partial Y`:

.. math::
    \frac{\partial L}{\partial x} = \mathrm{col2im}(W_2^\top G) =: \mathrm{conv\_input\_grad}(G, W),\quad
    \frac{\partial L}{\partial W} = G\,\mathrm{col}^\top =: \mathrm{conv\_weight\_grad}(x, G),\quad
    \frac{\partial L}{\partial b} = \textstyle\sum G

``Conv2d`` runs forward with the kernel strategy of ``nn.kernels`` (blocks over the CPU cores, or
the GPU's whole-batch kernels) and its backward is one node, ``Conv2dGrad``, which runs the same
kernel's backward on what forward kept: as fast as the ``Conv2d`` layer. The three results are
bilinear in :math:`(G, x, W)`, so their own derivatives are convolutions again:

.. math::
    \mathrm{conv\_input\_grad}(G, W):\ \bar G = \mathrm{conv2d}(\bar x, W),\
        \bar W = \mathrm{conv\_weight\_grad}(\bar x, G);
    \qquad
    \mathrm{conv\_weight\_grad}(x, G):\ \bar x = \mathrm{conv\_input\_grad}(G, \bar W),\
        \bar G = \mathrm{conv2d}(x, \bar W)

which closes the set: any order of derivative is a graph of these three operations.
"""

from __future__ import annotations

from ...backend import get_array_module
from ...errors import ConfigError, ShapeError
from ...nn import kernels
from ...nn.kernels import batch
from ..function import Function
from ..tensor import Tensor
from .arithmetic import operands
from .reduce import broadcast_to


def pair(value, op: str, option: str, minimum: int) -> tuple[int, int]:
    """``value`` (an int or two ints, each >= ``minimum``) as a pair, else a ConfigError."""
    pair_ = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair_) != 2 or not all(isinstance(v, int) and v >= minimum for v in pair_):
        raise ConfigError(f"{op}: {option} must be an int >= {minimum} or a pair of them, got {value!r}")
    return pair_


def _delta(g):
    """(N, O, oh, ow) -> (O, N·oh·ow), the layout the products take."""
    xp = get_array_module(g)
    return xp.ascontiguousarray(g.transpose(1, 0, 2, 3)).reshape(g.shape[1], -1)


class Conv2d(Function):
    """Cross-correlation of x (N, C, H, W) with W (O, C, kh, kw), plus a bias per output channel."""

    def __init__(self, stride, padding):
        self.stride, self.padding = stride, padding

    def forward(self, x, w, b=None):
        k = kernels.for_array(x)
        y, cache = k.conv2d_forward(x, w, b, self.stride, self.padding, self.needs_input_grad[0])
        if self.record:
            self.save_for_backward(*self.inputs[:2])
            self.cache = (k, cache)
        return y

    def backward(self, gy):
        x, w = self.saved_tensors
        k, cache = self.cache
        wants = self.needs_input_grad + (False,) * (3 - len(self.needs_input_grad))
        grads = iter(Conv2dGrad(k, cache, self.stride, self.padding, wants)(gy, x, w))
        return tuple(next(grads) if want else None for want in self.needs_input_grad)


class Conv2dGrad(Function):
    """The gradients of a convolution, (dx, dW, db) as far as wanted, by the kernel of its forward."""

    def __init__(self, kernel, forward_cache, stride, padding, wants):
        self.kernel, self.forward_cache = kernel, forward_cache
        self.stride, self.padding, self.wants = stride, padding, wants

    def forward(self, gy, x, w):
        dx, dw, db = self.kernel.conv2d_backward(gy, self.forward_cache, w, self.wants[2], self.stride,
                                                 self.padding, self.wants[0])
        self.forward_cache = None
        self.save_for_backward(*self.inputs)
        return tuple(g for g, want in zip((dx, dw, db), self.wants, strict=True) if want)

    def backward(self, *upstream):
        gy, x, w = self.saved_tensors
        given = iter(upstream)
        gg_x, gg_w, gg_b = (next(given) if want else None for want in self.wants)
        d_gy = d_x = d_w = None
        if gg_x is not None:                         # dx = conv_input_grad(gy, W)
            d_gy = _add(d_gy, conv2d(gg_x, w, None, self.stride, self.padding))
            d_w = conv_weight_grad(gg_x, gy, w.shape, self.stride, self.padding)
        if gg_w is not None:                         # dW = conv_weight_grad(x, gy)
            d_gy = _add(d_gy, conv2d(x, gg_w, None, self.stride, self.padding))
            d_x = conv_input_grad(gy, gg_w, x.shape, self.stride, self.padding)
        if gg_b is not None:                         # db = sum of gy over (N, oh, ow)
            d_gy = _add(d_gy, broadcast_to(gg_b.reshape(1, -1, 1, 1), gy.shape))
        need_gy, need_x, need_w = self.needs_input_grad
        return (d_gy if need_gy else None, d_x if need_x else None, d_w if need_w else None)


class ConvInputGrad(Function):
    """col2im(W2^T G): the gradient a convolution gives its input, as an operation of (G, W)."""

    def __init__(self, x_shape, stride, padding):
        self.x_shape, self.stride, self.padding = tuple(x_shape), stride, padding

    def forward(self, g, w):
        self.save_for_backward(*self.inputs)
        o, _, kh, kw = w.shape
        col = w.reshape(o, -1).T @ _delta(g)
        return batch.col2im(col, self.x_shape, (kh, kw), self.stride, self.padding)

    def backward(self, h):
        g, w = self.saved_tensors
        need_g, need_w = self.needs_input_grad
        return (conv2d(h, w, None, self.stride, self.padding) if need_g else None,
                conv_weight_grad(h, g, w.shape, self.stride, self.padding) if need_w else None)


class ConvWeightGrad(Function):
    """G col(x)^T: the gradient a convolution gives its weight, as an operation of (x, G)."""

    def __init__(self, w_shape, stride, padding):
        self.w_shape, self.stride, self.padding = tuple(w_shape), stride, padding

    def forward(self, x, g):
        self.save_for_backward(*self.inputs)
        kernel = self.w_shape[2:]
        col = batch.im2col(x, kernel, self.stride, self.padding)
        return (_delta(g) @ col.T).reshape(self.w_shape)

    def backward(self, h):
        x, g = self.saved_tensors
        need_x, need_g = self.needs_input_grad
        return (conv_input_grad(g, h, x.shape, self.stride, self.padding) if need_x else None,
                conv2d(x, h, None, self.stride, self.padding) if need_g else None)


def _add(total, term):
    return term if total is None else total + term


def conv_input_grad(g: Tensor, w: Tensor, x_shape, stride, padding) -> Tensor:
    return ConvInputGrad(x_shape, stride, padding)(g, w)


def conv_weight_grad(x: Tensor, g: Tensor, w_shape, stride, padding) -> Tensor:
    return ConvWeightGrad(w_shape, stride, padding)(x, g)


def conv2d(x, weight, bias=None, stride=1, padding=0) -> Tensor:
    """2-D convolution (cross-correlation, as PyTorch): x (N, C, H, W), weight (O, C, kh, kw),
    bias (O,) or None; ``stride`` and ``padding`` an int or a pair."""
    op = Conv2d(pair(stride, "conv2d", "stride", 1), pair(padding, "conv2d", "padding", 0))
    x, weight = operands(op, x, weight, broadcast=False)
    if weight.ndim != 4:
        raise ShapeError(f"conv2d: the weight must be 4-D (out_channels, in_channels, kh, kw), got "
                         f"{weight.shape}")
    o, c, kh, kw = weight.shape
    if x.ndim != 4 or x.shape[1] != c:
        raise ShapeError(f"conv2d: expected input shape (N, {c}, H, W) for a weight of shape "
                         f"{weight.shape}, got {x.shape}")
    (ph, pw), (h, w_) = op.padding, x.shape[2:]
    if h + 2 * ph < kh or w_ + 2 * pw < kw:
        raise ShapeError(f"conv2d: input {x.shape} is smaller than the kernel: expected H + 2*{ph} >= {kh} "
                         f"and W + 2*{pw} >= {kw}")
    if bias is None:
        return op(x, weight)
    _, bias = operands(op, weight, bias, broadcast=False)
    if bias.shape != (o,):
        raise ShapeError(f"conv2d: the bias must have shape ({o},), got {bias.shape}")
    return op(x, weight, bias)
