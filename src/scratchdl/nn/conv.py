"""2-D convolution as a matrix product over image patches (im2col)."""

from __future__ import annotations

from ..backend import get_array_module
from ..errors import ConfigError, ShapeError
from .blocks import run_blocks, sample_blocks
from .im2col import conv_output_size, flat_layout, flat_patches, sample_col2im, sample_patches, to_flat
from .init import initialize
from .module import Module, Parameter
from .validate import check_input

# The patch matrix is built for a block of samples at a time, at most this many bytes, so that it
# is still in cache when the matrix product reads it, and the blocks are shared out among the cores
# (``blocks``). Measured on W4's 16->16 3x3 layer, batch 100, 2 cores: about twice as fast forward
# and backward as one product over the whole batch (a 52 MB patch matrix, written to memory and
# read back, and the copies on one core).
PATCH_BLOCK_BYTES = 4 << 20


def int_pair(value, layer: str, option: str, minimum: int) -> tuple[int, int]:
    """``value`` (an int or a pair of ints, each >= ``minimum``) as a pair, else a ConfigError."""
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
    kh-1, kw-1, correlated with the kernel flipped in both axes and with C and O swapped
    (:math:`\partial L/\partial x = W_{flip} \cdot \mathrm{im2col}(\delta)`, no col2im), and the same
    patches of :math:`\delta` give the weight gradient without patches of :math:`x`:
    :math:`\partial L/\partial W_{o,c,i,j} = \sum_p \delta_{o,\,p - (i, j)}\, x_{c,p}` over input
    positions :math:`p`, one product :math:`\mathrm{im2col}(\delta)\, x^\top`. Stride-1
    layers that need :math:`\partial L/\partial x` use the contiguous patch layout of
    ``im2col.flat_patches`` for :math:`x` and :math:`\delta` (``_flat_pays``); the others one patch
    matrix per sample, :math:`Y_n = W_2\,\mathrm{col}_n` (``sample_patches`` / ``sample_col2im``),
    whose products land in the output's layout and
    :math:`\partial L/\partial W_2 = \sum_n \delta_n \mathrm{col}_n^\top`.

    Each product runs per block of samples (``PATCH_BLOCK_BYTES``), the blocks spread over the
    CPU cores; :math:`\partial L/\partial W` sums the blocks' products in block order.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 bias: bool = True, init="he_normal", rng=None, dtype=None):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        name = f"Conv2d({in_channels}, {out_channels}, kernel_size={kernel_size!r})"
        self.kernel_size = int_pair(kernel_size, name, "kernel_size", 1)
        self.stride = int_pair(stride, name, "stride", 1)
        self.padding = int_pair(padding, name, "padding", 0)
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
    # Both run over blocks of samples (``blocks.run_blocks``): the patch matrix of one block stays
    # in cache between its copy and its matrix product, and the blocks share the CPU cores.
    # The patches are built again in backward rather than kept: a patch matrix is kh*kw times the
    # input, too much memory to hold for every layer until backward.
    def forward(self, x):
        self._check(x)
        xp = get_array_module(x)
        n, o, oh, ow = self.output_shape(x.shape)
        w2 = self.weight.data.reshape(o, -1)
        y = xp.empty((n, o, oh, ow), dtype=x.dtype)
        if not self._flat_pays(x.shape):                                 # one patch matrix per sample
            def block(n0, n1):
                out = y[n0:n1].reshape(n1 - n0, o, oh * ow)
                xp.matmul(w2, sample_patches(x[n0:n1], self.kernel_size, self.stride, self.padding),
                          out=out)                                       # Y_n = W2 col_n
                if self.bias is not None:
                    out += self.bias.data[:, None]

            run_blocks(block, self._blocks(n, w2.shape[1] * oh * ow * x.itemsize), xp)
            self._cache = (x, x.shape)
            return y
        rows, width, lead, reach = flat_layout(x.shape[2:], self.kernel_size, self.padding)
        flat, area = to_flat(x, rows, width, lead, tail=reach), rows * width

        def flat_block(n0, n1):
            col = self._flat_patches(flat, self.kernel_size, width, n0 * area, (n1 - n0) * area)
            out = (w2 @ col).reshape(o, n1 - n0, rows, width)                    # Y = W2 col
            self._store(y[n0:n1], out[:, :, :oh, :ow].transpose(1, 0, 2, 3))

        run_blocks(flat_block, self._blocks(n, w2.shape[1] * area * x.itemsize), xp)
        self._cache = (flat, x.shape)
        return y

    def backward(self, dout):
        """dL/dx (None when ``input_grad`` is False); adds dL/dW and dL/db."""
        source, x_shape = self.saved()
        xp = get_array_module(dout)
        (n, c, h, w), o, taps = x_shape, self.out_channels, self.kernel_size[0] * self.kernel_size[1]
        w2 = self.weight.data.reshape(o, -1)
        dx = xp.empty(x_shape, dtype=dout.dtype) if self.input_grad else None
        if source.ndim == 4:                                              # one patch matrix per sample
            def block(n0, n1):
                delta = dout[n0:n1].reshape(n1 - n0, o, -1)                     # (n, O, oh*ow)
                if dx is not None:                                   # dx = col2im(W2^T delta_n)
                    dx[n0:n1] = sample_col2im(w2.T @ delta, (n1 - n0, c, h, w), self.kernel_size,
                                              self.stride, self.padding)
                col = sample_patches(source[n0:n1], self.kernel_size, self.stride, self.padding)
                dw2 = (delta @ col.transpose(0, 2, 1)).sum(axis=0)        # dW2 = sum_n delta_n col_n^T
                return dw2.T, self._bias_grad(delta, axis=(0, 2))

            blocks = self._blocks(n, c * taps * dout.shape[2] * dout.shape[3] * dout.itemsize)
        else:
            block, blocks = self._flat_backward_block(dout, source, x_shape, dx)
        dw2t = xp.zeros(w2.shape[::-1], dtype=dout.dtype)              # dW2 transposed, (C*kh*kw, O)
        db = xp.zeros(o, dtype=dout.dtype)
        for dw_part, db_part in run_blocks(block, blocks, xp):         # summed in block order
            dw2t += dw_part
            db += db_part
        self.weight.grad += dw2t.T.reshape(self.weight.data.shape)
        if self.bias is not None:
            self.bias.grad += db
        return dx

    def _bias_grad(self, delta, axis=1):
        """:math:`\\sum` of ``delta`` over every axis but the channel one (``axis``: the others),
        a block's share of dL/db; nothing is summed for a layer without bias."""
        return delta.sum(axis=axis) if self.bias is not None else 0

    def _store(self, y, out) -> None:
        """``y[...] = out + b``, in one pass."""
        if self.bias is None:
            y[...] = out
        else:
            get_array_module(y).add(out, self.bias.data[:, None, None], out=y)

    def _blocks(self, n, bytes_per_sample):
        return sample_blocks(n, bytes_per_sample, PATCH_BLOCK_BYTES)

    # ---- the stride-1 path: contiguous patches over images laid end to end -------------------------
    def _flat_pays(self, x_shape) -> bool:
        """Whether to use the flat layout: stride 1, at most 25% wasted columns, and dL/dx wanted.

        The flat layout pays in backward, where dL/dx becomes a correlation instead of a col2im
        scatter (W4's 16->16 layer: 16 against 29 ms). A layer that skips dL/dx
        (``requires_input_grad(False)``) or wastes more columns (5x5 unpadded on 28x28: 36%) is
        faster with one patch matrix per sample, which needs no transposes (forward + backward,
        batch 100, 2 cores: W4's first layer 2.1 ms against 5.8 ms flat; W3's 5x5 layer 3.2-3.8 ms
        against 5.0-6.7 ms with one (C*kh*kw, N*oh*ow) matrix for the batch).
        """
        if self.stride != (1, 1) or not self.input_grad:
            return False
        rows, width, _, _ = flat_layout(x_shape[2:], self.kernel_size, self.padding)
        _, _, oh, ow = self.output_shape(x_shape)
        return rows * width <= 1.25 * oh * ow

    @staticmethod
    def _flat_patches(flat, kernel, width, start, span):
        """The patch matrix (C*kh*kw, span) of a flat buffer from position ``start``."""
        view = flat_patches(flat, kernel, width, start, span)
        return get_array_module(flat).ascontiguousarray(view).reshape(-1, span)

    def _flat_backward_block(self, dout, flat, x_shape, dx):
        """The work of one block of the stride-1 backward, and the blocks."""
        (n, c, h, w), o = x_shape, self.out_channels
        rows, width, lead, reach = flat_layout((h, w), self.kernel_size, self.padding)
        area, kernel, taps = rows * width, self.kernel_size, self.kernel_size[0] * self.kernel_size[1]
        # delta on the output grid, zero where no window is, with `reach` zeros in front
        delta = to_flat(dout, rows, width, lead=reach, tail=lead)
        w2 = self.weight.data.reshape(o, -1)
        kh, kw = kernel
        # dx by a full correlation of delta with the flipped kernel (copies O*kh*kw rows of delta),
        # or, when there are more output than input channels, by col2im of W2^T delta (C*kh*kw rows)
        correlate = o <= c and dx is not None
        flipped = self.weight.data[:, :, ::-1, ::-1].transpose(1, 0, 2, 3).reshape(c, -1)

        def correlation_block(n0, n1, span, delta_block):
            # the patches P of delta serve both products: dx = W_flip P, and, over the input's
            # positions p, dW[o, c, i, j] = sum_p delta[o, p - i*width - j] x[c, p]
            #                             = (P x^T)[(o, kh-1-i, kw-1-j), c]
            patches = self._flat_patches(delta, kernel, width, lead + n0 * area, span)
            x_block = flat[:, lead + n0 * area: lead + n0 * area + span]
            dw = (patches @ x_block.T).reshape(o, kh, kw, c)[:, ::-1, ::-1]      # [o, i, j, c]
            return flipped @ patches, dw.transpose(3, 1, 2, 0).reshape(c * taps, o)

        def block(n0, n1):
            span = (n1 - n0) * area
            delta_block = delta[:, reach + n0 * area: reach + n0 * area + span]
            if correlate:
                dxb, dw2t = correlation_block(n0, n1, span, delta_block)
            else:
                if dx is not None:
                    dxb = self._col2im_flat(w2.T @ delta_block, width, lead + reach)[:, lead:]
                dw2t = self._flat_patches(flat, kernel, width, n0 * area, span) @ delta_block.T
            if dx is not None:
                dxb = dxb[:, :span].reshape(c, n1 - n0, rows, width)
                dx[n0:n1] = dxb[:, :, :h, :w].transpose(1, 0, 2, 3)
            return dw2t, self._bias_grad(delta_block)          # zeros between images add nothing

        rows_per_sample = (o if correlate else c) * taps * area
        return block, self._blocks(n, rows_per_sample * dout.itemsize)

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
