r"""Max and average pooling through scratchdl's kernels, with derivatives that are operations too.

Max pooling routes each window's gradient to the window's maximum (the first one in row-major
order among ties, as PyTorch). Both that routing, ``MaxPoolGrad`` (scatter :math:`G` to the
maxima), and its adjoint, ``MaxPoolGather`` (read :math:`\bar x` at the maxima), are linear maps
with the maxima fixed, and each is the other's backward: max pooling can be differentiated to any
order (the second derivative with respect to :math:`x` is 0 almost everywhere, the one through
the upstream gradient is not).

Average pooling's backward spreads :math:`G/(k_h k_w)` over each window (``AvgPoolGrad``); its
adjoint is average pooling itself.
"""

from __future__ import annotations

from ...backend import get_array_module
from ...errors import ConfigError, ShapeError
from ...nn import kernels
from ...nn.im2col import conv_output_size, pad_images
from ..function import Function
from ..tensor import Tensor
from .conv import pair


class MaxPool2d(Function):
    """The maximum of each kernel window (padding with -inf)."""

    def __init__(self, kernel, stride, padding):
        self.kernel, self.stride, self.padding = kernel, stride, padding

    def forward(self, x):
        k = kernels.for_array(x)
        y, cache = k.max_pool2d_forward(x, self.kernel, self.stride, self.padding)
        self.cache = (k, cache) if self.record else None
        return y

    def backward(self, gy):
        k, cache = self.cache
        return MaxPoolGrad(k, cache, self.kernel, self.stride, self.padding)(gy)


class MaxPoolGrad(Function):
    """Each window's gradient added onto the position of its maximum."""

    def __init__(self, kernel_strategy, cache, kernel, stride, padding):
        self.strategy, self.pool_cache = kernel_strategy, cache
        self.kernel, self.stride, self.padding = kernel, stride, padding

    def forward(self, g):
        return self.strategy.max_pool2d_backward(g, self.pool_cache, self.kernel, self.stride, self.padding)

    def backward(self, h):
        return MaxPoolGather(self.strategy, self.pool_cache, self.kernel, self.stride, self.padding)(h)


class MaxPoolGather(Function):
    """Each window's value read at the position of its maximum (the adjoint of ``MaxPoolGrad``)."""

    def __init__(self, kernel_strategy, cache, kernel, stride, padding):
        self.strategy, self.pool_cache = kernel_strategy, cache
        self.kernel, self.stride, self.padding = kernel, stride, padding

    def forward(self, h):
        xp = get_array_module(h)
        argmax, x_shape = self.pool_cache
        n, c, height, width = x_shape
        (kh, kw), (sh, sw), (ph, pw) = self.kernel, self.stride, self.padding
        oh, ow = conv_output_size(height, kh, sh, ph), conv_output_size(width, kw, sw, pw)
        argmax = argmax.reshape(n, c, oh, ow)
        padded = pad_images(h, self.padding)
        out = xp.zeros((n, c, oh, ow), dtype=h.dtype)
        for i in range(kh):
            for j in range(kw):
                view = padded[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw]
                out += xp.where(argmax == i * kw + j, view, h.dtype.type(0))
        return out

    def backward(self, g):
        return MaxPoolGrad(self.strategy, self.pool_cache, self.kernel, self.stride, self.padding)(g)


class AvgPool2d(Function):
    """The mean of each kernel window (zero padding counted in the mean)."""

    def __init__(self, kernel, stride, padding):
        self.kernel, self.stride, self.padding = kernel, stride, padding

    def forward(self, x):
        k = kernels.for_array(x)
        y, cache = k.avg_pool2d_forward(x, self.kernel, self.stride, self.padding)
        self.cache = (k, cache) if self.record else None
        return y

    def backward(self, gy):
        k, cache = self.cache
        return AvgPoolGrad(k, cache, self.kernel, self.stride, self.padding)(gy)


class AvgPoolGrad(Function):
    """Each window's gradient spread evenly over the window, G / (kh kw) per position."""

    def __init__(self, kernel_strategy, cache, kernel, stride, padding):
        self.strategy, self.pool_cache = kernel_strategy, cache
        self.kernel, self.stride, self.padding = kernel, stride, padding

    def forward(self, g):
        return self.strategy.avg_pool2d_backward(g, self.pool_cache, self.kernel, self.stride, self.padding)

    def backward(self, h):
        return AvgPool2d(self.kernel, self.stride, self.padding)(h)


def _pool_options(op: str, x: Tensor, kernel_size, stride, padding):
    kernel = pair(kernel_size, op, "kernel_size", 1)
    stride = kernel if stride is None else pair(stride, op, "stride", 1)
    padding = pair(padding, op, "padding", 0)
    if any(2 * p > k for p, k in zip(padding, kernel, strict=True)):
        raise ConfigError(f"{op}: padding must be at most half the kernel size, got padding={padding} "
                          f"for kernel_size={kernel}")
    if x.ndim != 4 or x.shape[2] + 2 * padding[0] < kernel[0] or x.shape[3] + 2 * padding[1] < kernel[1]:
        raise ShapeError(f"{op}: expected input shape (N, C, H, W) with H + 2*{padding[0]} >= {kernel[0]} "
                         f"and W + 2*{padding[1]} >= {kernel[1]}, got {x.shape}")
    return kernel, stride, padding


def max_pool2d(x, kernel_size, stride=None, padding=0) -> Tensor:
    """The maximum of each window; ``stride`` defaults to the kernel size."""
    x = x if isinstance(x, Tensor) else Tensor(x)
    return MaxPool2d(*_pool_options("max_pool2d", x, kernel_size, stride, padding))(x)


def avg_pool2d(x, kernel_size, stride=None, padding=0) -> Tensor:
    """The mean of each window (zero padding counted); ``stride`` defaults to the kernel size."""
    x = x if isinstance(x, Tensor) else Tensor(x)
    return AvgPool2d(*_pool_options("avg_pool2d", x, kernel_size, stride, padding))(x)

