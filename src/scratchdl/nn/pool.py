"""Pooling: max, average, and global average, with PyTorch's output sizes and defaults.

Each window offset (i, j) of a kh x kw kernel picks the strided view
``x_pad[:, :, i::s_h, j::s_w]`` (cut to oh x ow) of the padded input, so pooling is kh*kw
elementwise operations (``np.maximum`` or ``+``) over whole arrays, with no loop over samples,
channels or pixels. That is also the fast path: for kernel == stride it reads the same numbers as
the reshape ``x.reshape(N, C, oh, k, ow, k)``, whose ``max(axis=(3, 5))`` measured 30x slower
here. When the windows tile the input, backward writes each pixel once instead of adding.
The work runs on blocks of samples shared out among the cores (``blocks``).
"""

from __future__ import annotations

import math

from ..backend import get_array_module
from ..errors import ConfigError, ShapeError
from .blocks import run_blocks, sample_blocks
from .conv import int_pair
from .im2col import conv_output_size, pad_images
from .module import Module
from .validate import check_input

# Pooling works on blocks of samples of about this many input bytes (cache-sized, spread over cores).
POOL_BLOCK_BYTES = 512 << 10


class _Pool2d(Module):
    pad_value = 0.0

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        label = f"{type(self).__name__}(kernel_size={kernel_size!r})"
        self.kernel_size = int_pair(kernel_size, label, "kernel_size", 1)
        self.stride = self.kernel_size if stride is None else int_pair(stride, label, "stride", 1)
        self.padding = int_pair(padding, label, "padding", 0)
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

    def _gradient_buffer(self, x_shape, out_shape, dtype, xp):
        """Zeros (or, when the windows tile the input and every pixel gets written, an empty array)
        of the padded input's shape, and whether the windows tile it."""
        tiles = self._tiles(x_shape, out_shape)
        (ph, pw), (n, c, h, w) = self.padding, x_shape
        return (xp.empty if tiles else xp.zeros)((n, c, h + 2 * ph, w + 2 * pw), dtype=dtype), tiles

    def _crop(self, padded):
        (ph, pw), (h, w) = self.padding, padded.shape[2:]
        return padded[:, :, ph:h - ph, pw:w - pw] if (ph or pw) else padded

    def _run(self, work, n: int, bytes_per_sample: int, xp) -> None:
        """``work(n0, n1)`` over blocks of samples, spread over the cores (see ``blocks``)."""
        run_blocks(work, sample_blocks(n, bytes_per_sample, POOL_BLOCK_BYTES), xp)


class MaxPool2d(_Pool2d):
    r"""2-D max pooling: the largest value in each window of a feature map.

    :math:`y_{n,c,u,v} = \max_{i,j} x^{pad}_{n,c,\,s_h u+i,\,s_w v+j}` (padding with :math:`-\infty`).

    Backward: the whole upstream gradient of a window goes to its maximum,
    :math:`\partial L/\partial x^{pad}_{n,c,\,s_h u+i,\,s_w v+j} \mathrel{+}= \delta_{n,c,u,v}` for the
    first (row-major) offset :math:`(i, j)` holding the maximum, as PyTorch does for ties.
    Forward keeps only that offset's number (``uint8``, one per output), not the input.
    Stride defaults to the kernel size.
    """

    pad_value = -math.inf

    def forward(self, x):
        padded, out_shape = self._prepare(x)
        xp = get_array_module(x)
        y = xp.empty(out_shape, dtype=x.dtype)
        offsets = self.kernel_size[0] * self.kernel_size[1]
        argmax = xp.empty(out_shape, dtype=xp.uint8 if offsets <= 256 else xp.int32)

        def block(n0, n1):
            windows, out, arg = self._windows(padded[n0:n1], out_shape), y[n0:n1], argmax[n0:n1]
            out[...] = next(windows)
            arg[...] = 0
            for offset, view in enumerate(windows, start=1):
                # strictly greater than every earlier offset: the first maximum wins ties, and the
                # argmax is the last offset that was; NaN propagates through maximum, as in PyTorch
                better = view > out
                xp.maximum(arg, better * arg.dtype.type(offset), out=arg)
                xp.maximum(out, view, out=out)

        self._run(block, x.shape[0], padded.nbytes // max(len(padded), 1), xp)
        self._cache = (argmax, x.shape)
        return y

    def backward(self, dout):
        argmax, x_shape = self.saved()
        xp = get_array_module(dout)
        dpad, tiles = self._gradient_buffer(x_shape, argmax.shape, dout.dtype, xp)

        def block(n0, n1):
            d_block, arg = dout[n0:n1], argmax[n0:n1]
            for offset, target in enumerate(self._windows(dpad[n0:n1], argmax.shape)):
                hit = arg == offset
                if tiles:
                    xp.multiply(d_block, hit, out=target)
                else:
                    target += d_block * hit

        self._run(block, x_shape[0], 2 * dpad.nbytes // max(len(dpad), 1), xp)
        return self._crop(dpad)


class AvgPool2d(_Pool2d):
    r"""2-D average pooling: the mean of each window of a feature map.

    :math:`y_{n,c,u,v} = \frac{1}{k_h k_w}\sum_{i,j} x^{pad}_{n,c,\,s_h u+i,\,s_w v+j}`, zero padding
    counted in the mean (PyTorch's ``count_include_pad=True``).

    Backward: :math:`\partial L/\partial x^{pad}_{n,c,\,s_h u+i,\,s_w v+j} \mathrel{+}=
    \delta_{n,c,u,v} / (k_h k_w)` for every offset. Stride defaults to the kernel size.
    """

    def forward(self, x):
        padded, out_shape = self._prepare(x)
        xp = get_array_module(x)
        y = xp.empty(out_shape, dtype=x.dtype)
        scale = x.dtype.type(1.0 / (self.kernel_size[0] * self.kernel_size[1]))

        def block(n0, n1):
            windows, out = self._windows(padded[n0:n1], out_shape), y[n0:n1]
            out[...] = next(windows)
            for view in windows:
                out += view
            out *= scale

        self._run(block, x.shape[0], padded.nbytes // max(len(padded), 1), xp)
        self._cache = (x.shape, out_shape)
        return y

    def backward(self, dout):
        x_shape, out_shape = self.saved()
        xp = get_array_module(dout)
        dpad, tiles = self._gradient_buffer(x_shape, out_shape, dout.dtype, xp)
        share = dout * dout.dtype.type(1.0 / (self.kernel_size[0] * self.kernel_size[1]))

        def block(n0, n1):
            for target in self._windows(dpad[n0:n1], out_shape):
                if tiles:
                    target[...] = share[n0:n1]
                else:
                    target += share[n0:n1]

        self._run(block, x_shape[0], dpad.nbytes // max(len(dpad), 1), xp)
        return self._crop(dpad)


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
