"""Pooling: max, average, and global average, with PyTorch's output sizes and defaults.

Each window offset (i, j) of a kh x kw kernel picks the strided view
``x_pad[:, :, i::s_h, j::s_w]`` (cut to oh x ow) of the padded input, so pooling is kh*kw
elementwise operations over the whole batch, with no loop over samples, channels or pixels.
"""

from __future__ import annotations

import math

from ..backend import get_array_module
from ..errors import ConfigError, ShapeError
from .im2col import conv_output_size, pad_images
from .module import Module
from .validate import check_input


def _pair(value, layer: str, option: str, minimum: int) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, int) and v >= minimum for v in pair):
        raise ConfigError(f"{layer}: {option} must be an int >= {minimum} or a pair of them, got {value!r}")
    return pair


class _Pool2d(Module):
    pad_value = 0.0

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        label = f"{type(self).__name__}(kernel_size={kernel_size!r})"
        self.kernel_size = _pair(kernel_size, label, "kernel_size", 1)
        self.stride = self.kernel_size if stride is None else _pair(stride, label, "stride", 1)
        self.padding = _pair(padding, label, "padding", 0)
        if any(2 * p > k for p, k in zip(self.padding, self.kernel_size, strict=True)):
            raise ConfigError(
                f"{label}: padding must be at most half the kernel size, got padding={padding!r}"
            )

    def extra_repr(self) -> str:
        def show(pair):
            return str(pair[0]) if pair[0] == pair[1] else str(pair)

        text = f"kernel_size={show(self.kernel_size)}"
        if self.stride != self.kernel_size:
            text += f", stride={show(self.stride)}"
        if self.padding != (0, 0):
            text += f", padding={show(self.padding)}"
        return text

    def output_shape(self, input_shape):
        n, c, h, w = input_shape
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        return n, c, conv_output_size(h, kh, sh, ph), conv_output_size(w, kw, sw, pw)

    def _prepare(self, x):
        """Check ``x``; return it padded and the output shape."""
        check_input(self, x)
        (kh, kw), (ph, pw) = self.kernel_size, self.padding
        if x.ndim != 4 or x.shape[2] + 2 * ph < kh or x.shape[3] + 2 * pw < kw:
            raise ShapeError(
                f"{self.name()}: expected input shape (N, C, H, W) with H + 2*{ph} >= {kh} and "
                f"W + 2*{pw} >= {kw}, got {tuple(x.shape)}"
            )
        return pad_images(x, self.padding, self.pad_value), self.output_shape(x.shape)

    def _windows(self, padded, out_shape):
        """The strided view of ``padded`` under each kernel offset, in row-major offset order."""
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        oh, ow = out_shape[2:]
        for i in range(kh):
            for j in range(kw):
                yield padded[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw]

    def _tiles(self, x_shape, out_shape) -> bool:
        """Whether the windows cover the input exactly once (stride = kernel, no padding, no rest)."""
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        return (self.padding == (0, 0) and (sh, sw) == (kh, kw)
                and x_shape[2] == out_shape[2] * kh and x_shape[3] == out_shape[3] * kw)

    def _scatter(self, x_shape, out_shape, dtype, xp, pieces):
        """dx from the gradient ``piece`` of each window offset: added (or, when the windows tile
        the input, written) onto the pixels that offset read."""
        tiles = self._tiles(x_shape, out_shape)
        (ph, pw), (n, c, h, w) = self.padding, x_shape
        dpad = (xp.empty if tiles else xp.zeros)((n, c, h + 2 * ph, w + 2 * pw), dtype=dtype)
        for view, piece in zip(self._windows(dpad, out_shape), pieces, strict=True):
            if tiles:
                view[...] = piece
            else:
                view += piece
        return dpad[:, :, ph:ph + h, pw:pw + w] if (ph or pw) else dpad


class MaxPool2d(_Pool2d):
    r""":math:`y_{n,c,u,v} = \max_{i,j} x^{pad}_{n,c,\,s_h u+i,\,s_w v+j}` (padding with :math:`-\infty`).

    Backward: the whole upstream gradient of a window goes to its maximum,
    :math:`\partial L/\partial x^{pad}_{n,c,\,s_h u+i,\,s_w v+j} \mathrel{+}= \delta_{n,c,u,v}` for the
    first (row-major) offset :math:`(i, j)` holding the maximum, as PyTorch does for ties.
    Stride defaults to the kernel size.
    """

    pad_value = -math.inf

    def forward(self, x):
        padded, out_shape = self._prepare(x)
        xp = get_array_module(x)
        windows = self._windows(padded, out_shape)
        y = next(windows).copy()
        for view in windows:
            xp.maximum(y, view, out=y)
        self._cache = (padded, y, x.shape)
        return y

    def backward(self, dout):
        padded, y, x_shape = self.saved()
        xp = get_array_module(dout)
        taken = None

        def pieces():
            nonlocal taken
            for view in self._windows(padded, y.shape):
                hit = view == y                          # this offset holds the maximum ...
                if taken is None:
                    taken = hit.copy()
                else:
                    xp.greater(hit, taken, out=hit)      # ... and no earlier offset did
                    taken |= hit
                yield dout * hit

        return self._scatter(x_shape, y.shape, dout.dtype, xp, pieces())


class AvgPool2d(_Pool2d):
    r""":math:`y_{n,c,u,v} = \frac{1}{k_h k_w}\sum_{i,j} x^{pad}_{n,c,\,s_h u+i,\,s_w v+j}`, zero padding
    counted in the mean (PyTorch's ``count_include_pad=True``).

    Backward: :math:`\partial L/\partial x^{pad}_{n,c,\,s_h u+i,\,s_w v+j} \mathrel{+}=
    \delta_{n,c,u,v} / (k_h k_w)` for every offset. Stride defaults to the kernel size.
    """

    def forward(self, x):
        padded, out_shape = self._prepare(x)
        windows = self._windows(padded, out_shape)
        y = next(windows).copy()
        for view in windows:
            y += view
        y *= x.dtype.type(1.0 / (self.kernel_size[0] * self.kernel_size[1]))
        self._cache = (x.shape, out_shape)
        return y

    def backward(self, dout):
        x_shape, out_shape = self.saved()
        share = dout * dout.dtype.type(1.0 / (self.kernel_size[0] * self.kernel_size[1]))
        count = self.kernel_size[0] * self.kernel_size[1]
        return self._scatter(x_shape, out_shape, dout.dtype, get_array_module(dout), [share] * count)


class GlobalAvgPool2d(Module):
    r"""(N, C, H, W) -> (N, C): :math:`y_{n,c} = \frac{1}{HW}\sum_{u,v} x_{n,c,u,v}`;
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
