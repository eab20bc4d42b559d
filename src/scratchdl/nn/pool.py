"""Pooling: max, average, and global average, with PyTorch's output sizes and defaults.

Max and average pooling visit each kernel window; how (kh*kw strided passes over blocks of samples
on the CPU, one kernel over the whole batch on a GPU) is chosen by ``nn.kernels``.
"""

from __future__ import annotations

from .. import book_hints
from ..backend import get_array_module
from ..calls import explain_call
from ..errors import ConfigError, ShapeError
from . import kernels
from .conv import int_pair, show_pair
from .im2col import conv_output_size
from .module import Module
from .validate import check_input


# How the windows are visited (strided passes over blocks of samples on the CPU, one kernel over the
# whole batch on a GPU) is the strategy's business (``nn.kernels``); forward keeps the strategy with
# its cache, so backward runs the same one.
class _Pool2d(Module):

    @explain_call(book_hints.POOLING)
    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        label = f"{type(self).__name__}(kernel_size={kernel_size!r})"
        self.kernel_size = int_pair(kernel_size, label, "kernel_size", 1)
        self.stride = self.kernel_size if stride is None else int_pair(stride, label, "stride", 1)
        self.padding = int_pair(padding, label, "padding", 0)
        if any(2 * p > k for p, k in zip(self.padding, self.kernel_size, strict=True)):
            raise ConfigError(
                f"{label}: padding must be at most half the kernel size, got padding={padding!r}; "
                f"{book_hints.POOLING}"
            )

    def extra_repr(self) -> str:
        text = f"kernel_size={show_pair(self.kernel_size)}"
        if self.stride != self.kernel_size:
            text += f", stride={show_pair(self.stride)}"
        if self.padding != (0, 0):
            text += f", padding={show_pair(self.padding)}"
        return text

    def output_shape(self, input_shape):
        n, c, h, w = input_shape
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        return n, c, conv_output_size(h, kh, sh, ph), conv_output_size(w, kw, sw, pw)

    def _check(self, x) -> None:
        check_input(self, x)
        (kh, kw), (ph, pw) = self.kernel_size, self.padding
        if x.ndim != 4 or x.shape[2] + 2 * ph < kh or x.shape[3] + 2 * pw < kw:
            raise ShapeError(
                f"{self.name()}: expected input shape (N, C, H, W) with H + 2*{ph} >= {kh} and "
                f"W + 2*{pw} >= {kw}, got {tuple(x.shape)}"
            )

class MaxPool2d(_Pool2d):
    r"""2-D max pooling: the largest value in each window of a feature map.

    :math:`y_{n,c,u,v} = \max_{i,j} x^{pad}_{n,c,\,s_h u+i,\,s_w v+j}` (padding with :math:`-\infty`).

    Backward: the whole upstream gradient of a window goes to its maximum,
    :math:`\partial L/\partial x^{pad}_{n,c,\,s_h u+i,\,s_w v+j} \mathrel{+}= \delta_{n,c,u,v}` for the
    first (row-major) offset :math:`(i, j)` holding the maximum, as PyTorch does for ties.
    Forward keeps only that offset's number (``uint8``, one per output), not the input.
    Stride defaults to the kernel size.
    """

    def forward(self, x):
        self._check(x)
        k = kernels.for_array(x)
        y, cache = k.max_pool2d_forward(x, self.kernel_size, self.stride, self.padding)
        self._cache = (k, cache)
        return y

    def backward(self, dout):
        k, cache = self.saved()                       # cache: the offset of each window's maximum
        return k.max_pool2d_backward(dout, cache, self.kernel_size, self.stride, self.padding)


class AvgPool2d(_Pool2d):
    r"""2-D average pooling: the mean of each window of a feature map.

    :math:`y_{n,c,u,v} = \frac{1}{k_h k_w}\sum_{i,j} x^{pad}_{n,c,\,s_h u+i,\,s_w v+j}`, zero padding
    counted in the mean (PyTorch's ``count_include_pad=True``).

    Backward: :math:`\partial L/\partial x^{pad}_{n,c,\,s_h u+i,\,s_w v+j} \mathrel{+}=
    \delta_{n,c,u,v} / (k_h k_w)` for every offset. Stride defaults to the kernel size.
    """

    def forward(self, x):
        self._check(x)
        k = kernels.for_array(x)
        y, cache = k.avg_pool2d_forward(x, self.kernel_size, self.stride, self.padding)
        self._cache = (k, cache)
        return y

    def backward(self, dout):
        k, cache = self.saved()
        return k.avg_pool2d_backward(dout, cache, self.kernel_size, self.stride, self.padding)


class GlobalAvgPool2d(Module):
    r"""Averages each channel over the whole image, giving one number per channel.

    (N, C, H, W) -> (N, C): :math:`y_{n,c} = \frac{1}{HW}\sum_{u,v} x_{n,c,u,v}`;
    :math:`\partial L/\partial x_{n,c,u,v} = \delta_{n,c} / (HW)`."""

    def forward(self, x):
        check_input(self, x, ndim=4)
        self._cache = x.shape
        return x.mean(axis=(2, 3))

    def backward(self, dout):
        shape = self.saved()
        xp = get_array_module(dout)
        dx = xp.empty(shape, dtype=dout.dtype)
        dx[...] = (dout * dout.dtype.type(1.0 / (shape[2] * shape[3])))[:, :, None, None]
        return dx


Pooling = MaxPool2d
