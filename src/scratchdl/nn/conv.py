"""2-D convolution as a matrix product over image patches (im2col)."""

from __future__ import annotations

from ..backend import get_array_module
from ..errors import ConfigError, ShapeError
from .im2col import col2im, conv_output_size, flat_layout, flat_patches, im2col, to_flat
from .init import initialize
from .module import Module, Parameter
from .validate import check_input

# The stride-1 path builds the patch matrix for a block of samples at a time, at most this many
# bytes, so that it is still in cache when the matrix product reads it (one block when it fits).
PATCH_BLOCK_BYTES = 1 << 20


def _pair(value, layer: str, option: str, minimum: int) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, int) and v >= minimum for v in pair):
        raise ConfigError(f"{layer}: {option} must be an int >= {minimum} or a pair of them, got {value!r}")
    return pair


def _show(pair):
    return str(pair[0]) if pair[0] == pair[1] else str(pair)


class Conv2d(Module):
    r"""2-D convolution (cross-correlation, as PyTorch), weight (O, C, kh, kw), bias (O,).

    .. math::
        y_{n,o,u,v} = b_o + \sum_{c,i,j} W_{o,c,i,j}\, x^{pad}_{n,c,\,s_h u + i,\,s_w v + j}

    As matrices, with ``col = im2col(x)`` of shape (C·kh·kw, N·oh·ow) and
    :math:`W_2` = ``W.reshape(O, -1)``, the forward pass is one product

    .. math::
        Y = W_2\,\mathrm{col} + b

    and for :math:`\delta = \partial L/\partial Y` (shape (O, N·oh·ow)) the backward pass is

    .. math::
        \frac{\partial L}{\partial W_2} = \delta\,\mathrm{col}^\top, \quad
        \frac{\partial L}{\partial b} = \textstyle\sum_{n,u,v} \delta, \quad
        \frac{\partial L}{\partial x} = \mathrm{col2im}(W_2^\top \delta).

    With stride 1 the input gradient is itself a convolution: :math:`\delta`, zero-padded by
    kh-1, kw-1, correlated with the kernel flipped in both axes and with C and O swapped. That
    path uses the contiguous patch layout of ``im2col.flat_patches`` for the input and for
    :math:`\delta`, and needs no col2im.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 bias: bool = True, init="he_normal", rng=None, dtype=None):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        name = f"Conv2d({in_channels}, {out_channels}, kernel_size={kernel_size!r})"
        self.kernel_size = _pair(kernel_size, name, "kernel_size", 1)
        self.stride = _pair(stride, name, "stride", 1)
        self.padding = _pair(padding, name, "padding", 0)
        shape = (out_channels, in_channels, *self.kernel_size)
        self.weight = Parameter(initialize(init, shape, "out_in", rng, dtype))
        xp = get_array_module(self.weight.data)
        self.bias = Parameter(xp.zeros(out_channels, dtype=self.weight.data.dtype)) if bias else None

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={_show(self.kernel_size)}"
        if self.stride != (1, 1):
            text += f", stride={_show(self.stride)}"
        if self.padding != (0, 0):
            text += f", padding={_show(self.padding)}"
        return text + ("" if self.bias is not None else ", bias=False")

    def output_shape(self, input_shape) -> tuple[int, int, int, int]:
        n, _, h, w = input_shape
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        return (n, self.out_channels, conv_output_size(h, kh, sh, ph), conv_output_size(w, kw, sw, pw))

    def macs(self, input_shape, output_shape) -> int:
        """Multiply-adds for one sample: out_c * oh * ow * in_c * kh * kw."""
        _, out_c, oh, ow = output_shape
        return out_c * oh * ow * self.in_channels * self.kernel_size[0] * self.kernel_size[1]

    def _check(self, x) -> None:
        check_input(self, x)
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ShapeError(
                f"{self.name()}: expected input shape (N, {self.in_channels}, H, W), got {tuple(x.shape)}"
            )
        (kh, kw), (ph, pw) = self.kernel_size, self.padding
        h, w = x.shape[2:]
        if h + 2 * ph < kh or w + 2 * pw < kw:
            raise ShapeError(
                f"{self.name()}: input shape {tuple(x.shape)} is smaller than the kernel: expected "
                f"H + 2*{ph} >= {kh} and W + 2*{pw} >= {kw}, got H={h}, W={w}"
            )

    # ---- forward / backward ------------------------------------------------------------------
    def forward(self, x):
        self._check(x)
        if self.stride == (1, 1):
            return self._forward_flat(x)
        col = im2col(x, self.kernel_size, self.stride, self.padding)
        out = self.weight.data.reshape(self.out_channels, -1) @ col            # Y = W2 col
        n, o, oh, ow = self.output_shape(x.shape)
        y = get_array_module(x).empty((n, o, oh, ow), dtype=x.dtype)
        self._store(y, out.reshape(o, n, oh, ow).transpose(1, 0, 2, 3))
        self._cache = ("col", col, x.shape)
        return y

    def backward(self, dout):
        kind, saved, x_shape = self.saved()
        if kind == "flat":
            return self._backward_flat(dout, saved, x_shape)
        col, o = saved, self.out_channels
        delta = dout.transpose(1, 0, 2, 3).reshape(o, -1)
        w2 = self.weight.data.reshape(o, -1)
        self.weight.grad += (col @ delta.T).T.reshape(self.weight.data.shape)   # dW2 = delta col^T
        if self.bias is not None:
            self.bias.grad += delta.sum(axis=1)
        return col2im(w2.T @ delta, x_shape, self.kernel_size, self.stride, self.padding)

    def _store(self, y, out) -> None:
        """``y[...] = out + b``, in one pass."""
        if self.bias is None:
            y[...] = out
        else:
            get_array_module(y).add(out, self.bias.data[:, None, None], out=y)

    # ---- the stride-1 path: contiguous patches over images laid end to end -------------------------
    def _blocks(self, n: int, per_sample_bytes: int):
        size = max(1, min(n, PATCH_BLOCK_BYTES // max(per_sample_bytes, 1)))
        return [(n0, min(n0 + size, n)) for n0 in range(0, n, size)], size

    def _patches(self, flat, width, start, span, buffer):
        """The patch matrix (rows (c, i, j), ``span`` columns) from ``start``, into ``buffer`` if given."""
        view = flat_patches(flat, self.kernel_size, width, start, span)
        xp = get_array_module(flat)
        if buffer is None:
            return xp.ascontiguousarray(view).reshape(-1, span)
        block = buffer[: view.size].reshape(view.shape)
        xp.copyto(block, view)
        return block.reshape(-1, span)

    def _forward_flat(self, x):
        xp = get_array_module(x)
        n, _, h, w = x.shape
        _, o, oh, ow = self.output_shape(x.shape)
        rows, width, lead, reach = flat_layout((h, w), self.kernel_size, self.padding)
        area = rows * width
        flat = to_flat(x, rows, width, lead, tail=reach)
        w2 = self.weight.data.reshape(o, -1)
        y = xp.empty((n, o, oh, ow), dtype=x.dtype)
        blocks, size = self._blocks(n, w2.shape[1] * area * x.itemsize)
        buffer = None if len(blocks) == 1 else xp.empty(w2.shape[1] * size * area, dtype=x.dtype)
        for n0, n1 in blocks:
            col = self._patches(flat, width, n0 * area, (n1 - n0) * area, buffer)
            out = (w2 @ col).reshape(o, n1 - n0, rows, width)                   # Y = W2 col
            self._store(y[n0:n1], out[:, :, :oh, :ow].transpose(1, 0, 2, 3))
        self._cache = ("flat", flat, x.shape)
        return y

    def _backward_flat(self, dout, flat, x_shape):
        xp = get_array_module(dout)
        n, c, h, w = x_shape
        o, (kh, kw) = self.out_channels, self.kernel_size
        rows, width, lead, reach = flat_layout((h, w), self.kernel_size, self.padding)
        area = rows * width
        # delta on the output grid, zero where no window is, with `reach` zeros in front
        delta = to_flat(dout, rows, width, lead=reach, tail=lead)
        if self.bias is not None:
            self.bias.grad += dout.sum(axis=(0, 2, 3))
        w2 = self.weight.data.reshape(o, -1)
        # dx by a full correlation of delta with the flipped kernel (copies O*kh*kw rows of delta),
        # or, when there are more output than input channels, by col2im of W2^T delta (C*kh*kw rows)
        correlate = o <= c
        flipped = self.weight.data[:, :, ::-1, ::-1].transpose(1, 0, 2, 3).reshape(c, -1)
        dw2t = xp.zeros(w2.shape[::-1], dtype=dout.dtype)           # dW2 transposed, (C*kh*kw, O)
        dx = xp.empty(x_shape, dtype=dout.dtype)
        rows_per_sample = max(c, o) * kh * kw * area
        blocks, size = self._blocks(n, rows_per_sample * dout.itemsize)
        buffer = None if len(blocks) == 1 else xp.empty(rows_per_sample * size, dtype=dout.dtype)
        for n0, n1 in blocks:
            span = (n1 - n0) * area
            col = self._patches(flat, width, n0 * area, span, buffer)
            delta_block = delta[:, reach + n0 * area: reach + n0 * area + span]
            dw2t += col @ delta_block.T                 # dW2 = delta col^T (BLAS is faster this way)
            if correlate:
                dxb = flipped @ self._patches(delta, width, lead + n0 * area, span, buffer)
            else:
                dxb = self._col2im_flat(w2.T @ delta_block, width, lead + reach)[:, lead:]
            dxb = dxb[:, :span].reshape(c, n1 - n0, rows, width)
            dx[n0:n1] = dxb[:, :, :h, :w].transpose(1, 0, 2, 3)
        self.weight.grad += dw2t.T.reshape(self.weight.data.shape)
        return dx

    def _col2im_flat(self, dcol, width, extra):
        """Adjoint of ``flat_patches``: (C*kh*kw, span) -> (C, span + extra), each tap added back."""
        xp = get_array_module(dcol)
        (kh, kw), span = self.kernel_size, dcol.shape[1]
        taps = dcol.reshape(-1, kh, kw, span)
        flat = xp.zeros((taps.shape[0], span + extra), dtype=dcol.dtype)
        for i in range(kh):
            for j in range(kw):
                flat[:, i * width + j: i * width + j + span] += taps[:, i, j]
        return flat

Convolution = Conv2d
