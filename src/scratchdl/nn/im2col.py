r"""Fast im2col / col2im: image patches as the columns of a matrix, so a convolution is one
matrix product.

For an input :math:`x` of shape (N, C, H, W), a kernel :math:`k_h \times k_w`, stride
:math:`s` and zero padding :math:`p`, the output has
:math:`o_h = \lfloor (H + 2p_h - k_h) / s_h \rfloor + 1` rows (and :math:`o_w` likewise), and

.. math::
    \mathrm{col}[(c, i, j), (n, y, x)] = x_{pad}[n, c,\ s_h y + i,\ s_w x + j]

is a (C·kh·kw, N·oh·ow) matrix: the transpose of the course's ``functions.im2col`` layout,
so that ``W.reshape(O, -1) @ col`` gives the output with channels first. ``col2im`` is its
adjoint: it adds every column entry back onto the pixel it came from. ``sample_patches`` /
``sample_col2im`` are the same with one (C·kh·kw, oh·ow) matrix per sample, the layout ``Conv2d``
multiplies (the products land in the output's (N, O, oh·ow) order, no transpose).

No loops over samples, pixels or channels: the patches are a strided *view* of the padded
input (``sliding_window_view``) copied once; col2im loops over the kh·kw kernel offsets only,
each step one strided add over the whole batch.

``flat_layout`` / ``to_flat`` / ``flat_patches`` are the stride-1 fast path used by ``Conv2d``:
with the zero-padded images laid end to end in one row per channel (rows of width
:math:`w_r`), the tap :math:`(i, j)` of the window at flat position :math:`q` is at
:math:`q + i w_r + j`, so each row of the patch matrix is a *contiguous* slice of that buffer
(long, cheap copies, where the plain layout copies rows of only ow numbers). The price is a few
wasted columns per image (windows that would wrap around a row or image edge), which the caller
drops; neighbouring images share their zero padding to keep them few.
"""

from __future__ import annotations

from ..backend import get_array_module
from .blocks import run_blocks, sample_blocks


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """:math:`\\lfloor (size + 2 padding - kernel) / stride \\rfloor + 1` (PyTorch's, no ceil mode)."""
    return (size + 2 * padding - kernel) // stride + 1


def _pair(value) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


def pad_images(x, padding, value=0):
    """``x`` (N, C, H, W) with ``padding`` = (ph, pw) rows/columns of ``value`` on each side
    (``x`` itself when there is no padding)."""
    ph, pw = _pair(padding)
    if ph == 0 and pw == 0:
        return x
    xp = get_array_module(x)
    n, c, h, w = x.shape
    out = xp.full((n, c, h + 2 * ph, w + 2 * pw), value, dtype=x.dtype)
    out[:, :, ph:ph + h, pw:pw + w] = x
    return out


def window_view(x, kernel_size, stride=1):
    """Read-only view (N, C, oh, ow, kh, kw) of every kernel window of ``x`` (already padded)."""
    xp = get_array_module(x)
    (kh, kw), (sh, sw) = _pair(kernel_size), _pair(stride)
    return xp.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]


def sample_patches(x, kernel_size, stride=1, padding=0):
    """(N, C, H, W) images -> (N, C*kh*kw, oh*ow): each sample's patch matrix, dtype preserved.

    ``W.reshape(O, -1) @ sample_patches(x, ...)`` is then a batch of products whose results are
    already the output's (N, O, oh*ow) layout.
    """
    kh, kw = _pair(kernel_size)
    windows = window_view(pad_images(x, padding), (kh, kw), stride)
    n, c, oh, ow = windows.shape[:4]
    xp = get_array_module(x)
    return xp.ascontiguousarray(windows.transpose(0, 1, 4, 5, 2, 3)).reshape(n, c * kh * kw, oh * ow)


def sample_col2im(dcol, input_shape, kernel_size, stride=1, padding=0):
    """Adjoint of ``sample_patches``: (N, C*kh*kw, oh*ow) -> (N, C, H, W), each entry added back onto
    its pixel (overlapping windows sum); a loop over the kh*kw kernel offsets only."""
    xp = get_array_module(dcol)
    n, c, h, w = input_shape
    (kh, kw), (sh, sw), (ph, pw) = _pair(kernel_size), _pair(stride), _pair(padding)
    oh, ow = conv_output_size(h, kh, sh, ph), conv_output_size(w, kw, sw, pw)
    patches = dcol.reshape(n, c, kh, kw, oh, ow)
    img = xp.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=dcol.dtype)
    for i in range(kh):
        for j in range(kw):
            img[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw] += patches[:, :, i, j]
    return img[:, :, ph:ph + h, pw:pw + w]


def im2col(x, kernel_size, stride=1, padding=0):
    """(N, C, H, W) images -> (C*kh*kw, N*oh*ow) patch matrix, dtype preserved: the samples' patch
    matrices (``sample_patches``) side by side.

    ``im2col(x, ...).T`` equals the course's ``functions.im2col(x, ...)``.
    """
    patches = sample_patches(x, kernel_size, stride, padding)
    n, rows, cols = patches.shape
    return get_array_module(x).ascontiguousarray(patches.transpose(1, 0, 2)).reshape(rows, n * cols)


def col2im(col, input_shape, kernel_size, stride=1, padding=0):
    """Adjoint of ``im2col``: (C*kh*kw, N*oh*ow) -> (N, C, H, W), each entry added back onto
    its pixel (overlapping windows sum). ``col2im(col, ...)`` equals the course's
    ``functions.col2im(col.T, ...)``."""
    n = input_shape[0]
    return sample_col2im(col.reshape(col.shape[0], n, -1).transpose(1, 0, 2), input_shape, kernel_size,
                         stride, padding)


# ---- stride-1 fast path -------------------------------------------------------------------------
def flat_layout(size, kernel_size, padding) -> tuple[int, int, int, int]:
    """``(rows, width, lead, reach)`` of the flat layout for a stride-1 convolution of (H, W) images.

    Image ``n`` pixel ``(y, x)`` sits at ``lead + n*rows*width + y*width + x`` of its channel's row,
    and output ``(n, u, v)`` is computed at ``n*rows*width + u*width + v``. The zeros between
    images (``rows - H`` rows) and between image rows (``width - W`` columns) serve as the bottom
    (right) padding of one image and the top (left) padding of the next, so
    ``rows = max(H + ph, oh)``, ``width = max(W + pw, ow)``; ``lead = ph*width + pw`` zeros pad the
    first image, and a window's taps span ``reach = (kh-1)*width + kw-1`` positions.
    """
    (h, w), (kh, kw), (ph, pw) = size, _pair(kernel_size), _pair(padding)
    rows = max(h + ph, h + 2 * ph - kh + 1)
    width = max(w + pw, w + 2 * pw - kw + 1)
    return rows, width, ph * width + pw, (kh - 1) * width + kw - 1


def to_flat(a, rows: int, width: int, lead: int = 0, tail: int = 0):
    """(N, C, h, w) -> (C, lead + N*rows*width + tail) zeros with ``a[n, c, y, x]`` at
    ``lead + n*rows*width + y*width + x`` (h <= rows, w <= width)."""
    xp = get_array_module(a)
    n, c, h, w = a.shape
    flat = xp.empty((c, lead + n * rows * width + tail), dtype=a.dtype)
    grid = flat[:, lead:lead + n * rows * width].reshape(c, n, rows, width)
    flat[:, :lead] = 0
    flat[:, flat.shape[1] - tail:] = 0

    def fill(n0, n1):           # every position written once: the image, or a zero around it
        grid[:, n0:n1, :h, :w] = a[n0:n1].transpose(1, 0, 2, 3)
        grid[:, n0:n1, :h, w:] = 0
        grid[:, n0:n1, h:] = 0

    run_blocks(fill, sample_blocks(n, 2 * a.nbytes // max(n, 1), 1 << 20), xp)
    return flat


def flat_patches(flat, kernel_size, width: int, start: int, length: int):
    """Read-only view (C, kh, kw, length) of ``flat`` (C, L): entry ``[c, i, j, q]`` is
    ``flat[c, start + q + i*width + j]``, the (i, j) tap of the window at flat position
    ``start + q``. Needs ``start + length + (kh-1)*width + kw-1 <= L``."""
    xp = get_array_module(flat)
    kh, kw = _pair(kernel_size)
    if start + length + (kh - 1) * width + kw - 1 > flat.shape[1]:
        raise ValueError("flat_patches: window runs past the end of the buffer")
    s0, s1 = flat.strides
    read_only = {"writeable": False} if xp.__name__ == "numpy" else {}
    return xp.lib.stride_tricks.as_strided(
        flat[:, start:], shape=(flat.shape[0], kh, kw, length),
        strides=(s0, width * s1, s1, s1), **read_only,
    )
