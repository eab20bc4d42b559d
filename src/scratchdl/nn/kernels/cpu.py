r"""The CPU strategy: blocks of samples sized for the cache, spread over the cores.

Convolution (math in ``nn/conv.py``). Each product runs per block of samples
(``PATCH_BLOCK_BYTES``), the blocks shared out among the CPU cores (``nn/blocks.py``);
:math:`\partial L/\partial W` sums the blocks' products in block order. Two layouts:

- one patch matrix per sample, :math:`Y_n = W_2\,\mathrm{col}_n` (``sample_patches`` /
  ``sample_col2im``), whose products land in the output's layout, and
  :math:`\partial L/\partial W_2 = \sum_n \delta_n \mathrm{col}_n^\top`;
- for stride-1 layers that need :math:`\partial L/\partial x` (``flat_pays``), the contiguous
  patch layout of ``im2col.flat_patches``. There the input gradient is itself a convolution:
  :math:`\delta`, zero-padded by kh-1, kw-1, correlated with the kernel flipped in both axes and
  with C and O swapped (:math:`\partial L/\partial x = W_{flip} \cdot \mathrm{im2col}(\delta)`, no
  col2im), and the same patches of :math:`\delta` give the weight gradient without patches of
  :math:`x`: :math:`\partial L/\partial W_{o,c,i,j} = \sum_p \delta_{o,\,p - (i, j)}\, x_{c,p}` over
  input positions :math:`p`, one product :math:`\mathrm{im2col}(\delta)\, x^\top`.

The patches are built again in backward rather than kept: a patch matrix is kh*kw times the
input, too much memory to hold for every layer until backward.

Pooling (math in ``nn/pool.py``). Each window offset (i, j) of a kh x kw kernel picks the strided
view ``x_pad[:, :, i::s_h, j::s_w]`` (cut to oh x ow) of the padded input, so pooling is kh*kw
elementwise operations (``np.maximum`` or ``+``) over whole blocks, with no loop over samples,
channels or pixels. For kernel == stride that reads the same numbers as the reshape
``x.reshape(N, C, oh, k, ow, k)``, whose ``max(axis=(3, 5))`` measured 30x slower here. When the
windows tile the input, backward writes each pixel once instead of adding.
"""

from __future__ import annotations

import math

from ...backend import get_array_module
from ..blocks import run_blocks, sample_blocks
from ..im2col import (
    conv_output_size,
    flat_layout,
    flat_patches,
    pad_images,
    sample_col2im,
    sample_patches,
    to_flat,
)

# The patch matrix is built for a block of samples at a time, at most this many bytes, so that it
# is still in cache when the matrix product reads it, and the blocks are shared out among the cores
# (``blocks``). Measured on W4's 16->16 3x3 layer, batch 100, 2 cores: about twice as fast forward
# and backward as one product over the whole batch (a 52 MB patch matrix, written to memory and
# read back, and the copies on one core). 2 MB rather than 4 MB: a W4 step 6-8% faster on an Intel Xeon
# with 1.25 MB of L2 per core (the patch matrix is written and read while it is still in L2 or L3).
PATCH_BLOCK_BYTES = 2 << 20

# Pooling works on blocks of samples of about this many input bytes (cache-sized, spread over cores).
POOL_BLOCK_BYTES = 512 << 10


def _conv_blocks(n, bytes_per_sample):
    return sample_blocks(n, bytes_per_sample, PATCH_BLOCK_BYTES)


# ---- convolution ---------------------------------------------------------------------------------
def flat_pays(x_shape, kernel, stride, padding, input_grad) -> bool:
    """Whether to use the flat layout: stride 1, at most 25% wasted columns, and dL/dx wanted.

    The flat layout pays in backward, where dL/dx becomes a correlation instead of a col2im
    scatter (W4's 16->16 layer: 16 against 29 ms). A layer that skips dL/dx
    (``requires_input_grad(False)``) or wastes more columns (5x5 unpadded on 28x28: 36%) is
    faster with one patch matrix per sample, which needs no transposes (forward + backward,
    batch 100, 2 cores: W4's first layer 2.1 ms against 5.8 ms flat; W3's 5x5 layer 3.2-3.8 ms
    against 5.0-6.7 ms with one (C*kh*kw, N*oh*ow) matrix for the batch).
    """
    if tuple(stride) != (1, 1) or not input_grad:
        return False
    (h, w), (kh, kw), (ph, pw) = x_shape[2:], kernel, padding
    rows, width, _, _ = flat_layout((h, w), kernel, padding)
    oh, ow = conv_output_size(h, kh, 1, ph), conv_output_size(w, kw, 1, pw)
    return rows * width <= 1.25 * oh * ow


def conv2d_forward(x, weight, bias, stride, padding, input_grad):
    xp = get_array_module(x)
    o, _, kh, kw = weight.shape
    kernel, (n, _, h, w) = (kh, kw), x.shape
    oh, ow = conv_output_size(h, kh, stride[0], padding[0]), conv_output_size(w, kw, stride[1], padding[1])
    w2 = weight.reshape(o, -1)
    y = xp.empty((n, o, oh, ow), dtype=x.dtype)
    if not flat_pays(x.shape, kernel, stride, padding, input_grad):     # one patch matrix per sample
        def block(n0, n1):
            out = y[n0:n1].reshape(n1 - n0, o, oh * ow)
            xp.matmul(w2, sample_patches(x[n0:n1], kernel, stride, padding), out=out)  # Y_n = W2 col_n
            if bias is not None:
                out += bias[:, None]

        run_blocks(block, _conv_blocks(n, w2.shape[1] * oh * ow * x.itemsize), xp)
        return y, (x, x.shape)
    rows, width, lead, reach = flat_layout((h, w), kernel, padding)
    flat, area = to_flat(x, rows, width, lead, tail=reach), rows * width

    def flat_block(n0, n1):
        col = _flat_patch_matrix(flat, kernel, width, n0 * area, (n1 - n0) * area)
        out = w2 @ col                                                           # Y = W2 col
        if bias is not None:      # along the product's rows: twice as fast as in y's layout
            out += bias[:, None]
        y[n0:n1] = out.reshape(o, n1 - n0, rows, width)[:, :, :oh, :ow].transpose(1, 0, 2, 3)

    run_blocks(flat_block, _conv_blocks(n, w2.shape[1] * area * x.itemsize), xp)
    return y, (flat, x.shape)


def conv2d_backward(dout, cache, weight, has_bias, stride, padding, input_grad):
    source, x_shape = cache
    xp = get_array_module(dout)
    (n, c, h, w), (o, _, kh, kw) = x_shape, weight.shape
    kernel, taps = (kh, kw), kh * kw
    w2 = weight.reshape(o, -1)
    dx = xp.empty(x_shape, dtype=dout.dtype) if input_grad else None
    if source.ndim == 4:                                                  # one patch matrix per sample
        def block(n0, n1):
            delta = dout[n0:n1].reshape(n1 - n0, o, -1)                         # (n, O, oh*ow)
            if dx is not None:                                       # dx = col2im(W2^T delta_n)
                dx[n0:n1] = sample_col2im(w2.T @ delta, (n1 - n0, c, h, w), kernel, stride, padding)
            col = sample_patches(source[n0:n1], kernel, stride, padding)
            dw2 = (delta @ col.transpose(0, 2, 1)).sum(axis=0)            # dW2 = sum_n delta_n col_n^T
            return dw2.T, _bias_grad(delta, has_bias, axis=(0, 2))

        blocks = _conv_blocks(n, c * taps * dout.shape[2] * dout.shape[3] * dout.itemsize)
    else:
        block, blocks = _flat_backward_block(dout, source, x_shape, weight, has_bias, padding, dx)
    dw2t = xp.zeros(w2.shape[::-1], dtype=dout.dtype)                  # dW2 transposed, (C*kh*kw, O)
    db = xp.zeros(o, dtype=dout.dtype)
    for dw_part, db_part in run_blocks(block, blocks, xp):             # summed in block order
        dw2t += dw_part
        db += db_part
    return dx, dw2t.T.reshape(weight.shape), db if has_bias else None


def _bias_grad(delta, has_bias, axis=1):
    """:math:`\\sum` of ``delta`` over every axis but the channel one (``axis``: the others),
    a block's share of dL/db; nothing is summed for a layer without bias."""
    return delta.sum(axis=axis) if has_bias else 0


def _flat_patch_matrix(flat, kernel, width, start, span):
    """The patch matrix (C*kh*kw, span) of a flat buffer from position ``start``."""
    view = flat_patches(flat, kernel, width, start, span)
    return get_array_module(flat).ascontiguousarray(view).reshape(-1, span)


def _flat_backward_block(dout, flat, x_shape, weight, has_bias, padding, dx):
    """The work of one block of the stride-1 backward, and the blocks."""
    (n, c, h, w), (o, _, kh, kw) = x_shape, weight.shape
    kernel, taps = (kh, kw), kh * kw
    rows, width, lead, reach = flat_layout((h, w), kernel, padding)
    area = rows * width
    # delta on the output grid, zero where no window is, with `reach` zeros in front
    delta = to_flat(dout, rows, width, lead=reach, tail=lead)
    w2 = weight.reshape(o, -1)
    # dx by a full correlation of delta with the flipped kernel (copies O*kh*kw rows of delta),
    # or, when there are more output than input channels, by col2im of W2^T delta (C*kh*kw rows)
    correlate = o <= c and dx is not None
    flipped = weight[:, :, ::-1, ::-1].transpose(1, 0, 2, 3).reshape(c, -1)

    def correlation_block(n0, n1, span):
        # the patches P of delta serve both products: dx = W_flip P, and, over the input's
        # positions p, dW[o, c, i, j] = sum_p delta[o, p - i*width - j] x[c, p]
        #                             = (P x^T)[(o, kh-1-i, kw-1-j), c]
        patches = _flat_patch_matrix(delta, kernel, width, lead + n0 * area, span)
        x_block = flat[:, lead + n0 * area: lead + n0 * area + span]
        dw = (patches @ x_block.T).reshape(o, kh, kw, c)[:, ::-1, ::-1]          # [o, i, j, c]
        return flipped @ patches, dw.transpose(3, 1, 2, 0).reshape(c * taps, o)

    def block(n0, n1):
        span = (n1 - n0) * area
        delta_block = delta[:, reach + n0 * area: reach + n0 * area + span]
        if correlate:
            dxb, dw2t = correlation_block(n0, n1, span)
        else:
            if dx is not None:
                dxb = _col2im_flat(w2.T @ delta_block, kernel, width, lead + reach)[:, lead:]
            dw2t = _flat_patch_matrix(flat, kernel, width, n0 * area, span) @ delta_block.T
        if dx is not None:
            dxb = dxb[:, :span].reshape(c, n1 - n0, rows, width)
            dx[n0:n1] = dxb[:, :, :h, :w].transpose(1, 0, 2, 3)
        return dw2t, _bias_grad(delta_block, has_bias)          # zeros between images add nothing

    rows_per_sample = (o if correlate else c) * taps * area
    return block, _conv_blocks(n, rows_per_sample * dout.itemsize)


def _col2im_flat(dcol, kernel, width, extra):
    """Adjoint of ``flat_patches``: (C*kh*kw, span) -> (C, span + extra), each tap added back."""
    xp = get_array_module(dcol)
    (kh, kw), span = kernel, dcol.shape[1]
    taps = dcol.reshape(-1, kh, kw, span)
    flat = xp.zeros((taps.shape[0], span + extra), dtype=dcol.dtype)
    for i in range(kh):
        for j in range(kw):
            flat[:, i * width + j: i * width + j + span] += taps[:, i, j]
    return flat


# ---- pooling -------------------------------------------------------------------------------------
def pool_output_shape(x_shape, kernel, stride, padding):
    n, c, h, w = x_shape
    return (n, c, conv_output_size(h, kernel[0], stride[0], padding[0]),
            conv_output_size(w, kernel[1], stride[1], padding[1]))


def _windows(padded, out_shape, kernel, stride):
    """The strided view of ``padded`` under each kernel offset, in row-major offset order."""
    (kh, kw), (sh, sw) = kernel, stride
    oh, ow = out_shape[2:]
    for i in range(kh):
        for j in range(kw):
            yield padded[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw]


def _tiles(x_shape, out_shape, kernel, stride, padding) -> bool:
    """Whether the windows cover the input exactly once (stride = kernel, no padding, no rest)."""
    return (tuple(padding) == (0, 0) and tuple(stride) == tuple(kernel)
            and x_shape[2] == out_shape[2] * kernel[0] and x_shape[3] == out_shape[3] * kernel[1])


def _gradient_buffer(x_shape, out_shape, kernel, stride, padding, dtype, xp):
    """Zeros (or, when the windows tile the input and every pixel gets written, an empty array)
    of the padded input's shape, and whether the windows tile it."""
    tiles = _tiles(x_shape, out_shape, kernel, stride, padding)
    (ph, pw), (n, c, h, w) = padding, x_shape
    return (xp.empty if tiles else xp.zeros)((n, c, h + 2 * ph, w + 2 * pw), dtype=dtype), tiles


def _crop(padded, padding):
    (ph, pw), (h, w) = padding, padded.shape[2:]
    return padded[:, :, ph:h - ph, pw:w - pw] if (ph or pw) else padded


def _run(work, n: int, bytes_per_sample: int, xp) -> None:
    """``work(n0, n1)`` over blocks of samples, spread over the cores (see ``blocks``)."""
    run_blocks(work, sample_blocks(n, bytes_per_sample, POOL_BLOCK_BYTES), xp)


def max_pool2d_forward(x, kernel, stride, padding):
    padded = pad_images(x, padding, -math.inf)
    out_shape = pool_output_shape(x.shape, kernel, stride, padding)
    xp = get_array_module(x)
    y = xp.empty(out_shape, dtype=x.dtype)
    offsets = kernel[0] * kernel[1]
    argmax = xp.empty(out_shape, dtype=xp.uint8 if offsets <= 256 else xp.int32)

    def block(n0, n1):
        windows, out, arg = _windows(padded[n0:n1], out_shape, kernel, stride), y[n0:n1], argmax[n0:n1]
        out[...] = next(windows)
        arg[...] = 0
        for offset, view in enumerate(windows, start=1):
            # strictly greater than every earlier offset: the first maximum wins ties, and the
            # argmax is the last offset that was; NaN propagates through maximum, as in PyTorch
            better = view > out
            xp.maximum(arg, better * arg.dtype.type(offset), out=arg)
            xp.maximum(out, view, out=out)

    _run(block, x.shape[0], padded.nbytes // max(len(padded), 1), xp)
    return y, (argmax, x.shape)


def max_pool2d_backward(dout, cache, kernel, stride, padding):
    argmax, x_shape = cache
    xp = get_array_module(dout)
    dpad, tiles = _gradient_buffer(x_shape, argmax.shape, kernel, stride, padding, dout.dtype, xp)

    def block(n0, n1):
        d_block, arg = dout[n0:n1], argmax[n0:n1]
        for offset, target in enumerate(_windows(dpad[n0:n1], argmax.shape, kernel, stride)):
            hit = arg == offset
            if tiles:
                xp.multiply(d_block, hit, out=target)
            else:
                target += d_block * hit

    _run(block, x_shape[0], 2 * dpad.nbytes // max(len(dpad), 1), xp)
    return _crop(dpad, padding)


def avg_pool2d_forward(x, kernel, stride, padding):
    padded = pad_images(x, padding)
    out_shape = pool_output_shape(x.shape, kernel, stride, padding)
    xp = get_array_module(x)
    y = xp.empty(out_shape, dtype=x.dtype)
    scale = x.dtype.type(1.0 / (kernel[0] * kernel[1]))

    def block(n0, n1):
        windows, out = _windows(padded[n0:n1], out_shape, kernel, stride), y[n0:n1]
        out[...] = next(windows)
        for view in windows:
            out += view
        out *= scale

    _run(block, x.shape[0], padded.nbytes // max(len(padded), 1), xp)
    return y, (x.shape, out_shape)


def avg_pool2d_backward(dout, cache, kernel, stride, padding):
    x_shape, out_shape = cache
    xp = get_array_module(dout)
    dpad, tiles = _gradient_buffer(x_shape, out_shape, kernel, stride, padding, dout.dtype, xp)
    share = dout * dout.dtype.type(1.0 / (kernel[0] * kernel[1]))

    def block(n0, n1):
        for target in _windows(dpad[n0:n1], out_shape, kernel, stride):
            if tiles:
                target[...] = share[n0:n1]
            else:
                target += share[n0:n1]

    _run(block, x_shape[0], dpad.nbytes // max(len(dpad), 1), xp)
    return _crop(dpad, padding)
