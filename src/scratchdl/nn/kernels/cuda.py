r"""CuPy kernels of the whole-batch strategy: im2col, col2im and pooling, one launch each.

Each is a CuPy ``ElementwiseKernel``: the body runs once per element ``i`` of the output (in C
order), reads its inputs from ``raw`` (manually indexed, C-contiguous, flattened) arrays, and
writes only its own element. The backward passes *gather*: an input pixel sums the entries of
every window that read it, in a fixed order, instead of each window adding into the pixels (a
scatter, which would need atomic adds and give sums in a changing order).

Index names follow the layers' docstrings: sample ``s``, channel ``c``, output pixel ``(u, v)``,
kernel offset ``(ki, kj)``, input pixel ``(y, x)`` = ``(u*sh + ki - ph, v*sw + kj - pw)``.
Positions are of type ``idx_t``: ``int`` when every array of the call has fewer than 2^31 entries
(32-bit division is several times faster than 64-bit on a GPU, and each thread divides a few
times), else ``long long`` (a batch's patch matrix can pass 2^31 entries); two builds of each
kernel, picked from the arrays' sizes.

The kernel bodies are plain C (no CUDA built-ins), kept as data in ``KERNELS``, so the tests
also compile them with a C compiler and check them on the CPU against the reference strategy;
CuPy compiles them for the GPU on first use. CuPy is imported only when these run.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

_GEOMETRY = "int32 h, int32 w, int32 oh, int32 ow, int32 kh, int32 kw, int32 sh, int32 sw, int32 ph, int32 pw"


@dataclass(frozen=True)
class KernelSource:
    """An ``ElementwiseKernel``'s parameters (CuPy's syntax) and body."""

    name: str
    in_params: str
    out_params: str
    body: str


KERNELS = {
    # col (C, kh, kw, N, oh, ow): the (C·kh·kw, N·oh·ow) patch matrix of img (N, C, H, W)
    "im2col": KernelSource(
        "scratchdl_im2col", f"raw T img, int32 batch, int32 channels, {_GEOMETRY}", "T col",
        """
        const idx_t k = i;
        const int v = k % ow, u = k / ow % oh;
        const idx_t s = k / ((idx_t)oh * ow) % batch;
        const idx_t row = k / ((idx_t)oh * ow * batch);      /* (c*kh + ki)*kw + kj */
        const int kj = row % kw, ki = row / kw % kh;
        const idx_t c = row / ((idx_t)kh * kw);
        const int y = u * sh + ki - ph, x = v * sw + kj - pw;
        col = (y >= 0 && y < h && x >= 0 && x < w) ? img[((s * channels + c) * h + y) * w + x] : (T)0;
        """,
    ),
    # img (N, C, H, W): each pixel sums the entries of col (C, kh, kw, N, oh, ow) read from it
    "col2im": KernelSource(
        "scratchdl_col2im", f"raw T col, int32 batch, int32 channels, {_GEOMETRY}", "T img",
        """
        const idx_t k = i;
        const int x = k % w, y = k / w % h;
        const idx_t plane = k / ((idx_t)h * w);                 /* s*channels + c */
        const idx_t s = plane / channels, c = plane % channels;
        T total = 0;
        for (int ki = 0; ki < kh; ++ki) {
            const int uy = y + ph - ki;                  /* u*sh when tap ki of row u reads y */
            if (uy < 0 || uy % sh != 0 || uy / sh >= oh) continue;
            for (int kj = 0; kj < kw; ++kj) {
                const int vx = x + pw - kj;
                if (vx < 0 || vx % sw != 0 || vx / sw >= ow) continue;
                total += col[((((c * kh + ki) * kw + kj) * batch + s) * oh + uy / sh) * ow + vx / sw];
            }
        }
        img = total;
        """,
    ),
    # out (N, C, oh, ow): each window's maximum; arg: its offset ki*kw + kj, the first maximum in
    # row-major order (ties), or the last NaN, as PyTorch. Taps in the padding are skipped, as
    # -inf would be; every window holds at least one pixel (padding <= kernel / 2).
    "max_pool_forward": KernelSource(
        "scratchdl_max_pool_forward", f"raw T img, {_GEOMETRY}", "T out, S arg",
        """
        const idx_t k = i;
        const int v = k % ow, u = k / ow % oh;
        const idx_t plane = k / ((idx_t)oh * ow) * h * w;      /* img[s, c] starts here */
        T best = 0;
        int at = -1;
        for (int ki = 0; ki < kh; ++ki) {
            const int y = u * sh + ki - ph;
            if (y < 0 || y >= h) continue;
            for (int kj = 0; kj < kw; ++kj) {
                const int x = v * sw + kj - pw;
                if (x < 0 || x >= w) continue;
                const T value = img[plane + (idx_t)y * w + x];
                if (at < 0 || value > best || isnan(value)) { best = value; at = ki * kw + kj; }
            }
        }
        out = best;
        arg = at;
        """,
    ),
    # dimg (N, C, H, W): each pixel sums the upstream gradient of the windows whose maximum it was
    "max_pool_backward": KernelSource(
        "scratchdl_max_pool_backward", f"raw T dout, raw S arg, {_GEOMETRY}", "T dimg",
        """
        const idx_t k = i;
        const int x = k % w, y = k / w % h;
        const idx_t plane = k / ((idx_t)h * w) * oh * ow;      /* dout[s, c] starts here */
        T total = 0;
        for (int ki = 0; ki < kh; ++ki) {
            const int uy = y + ph - ki;
            if (uy < 0 || uy % sh != 0 || uy / sh >= oh) continue;
            for (int kj = 0; kj < kw; ++kj) {
                const int vx = x + pw - kj;
                if (vx < 0 || vx % sw != 0 || vx / sw >= ow) continue;
                const idx_t at = plane + (idx_t)(uy / sh) * ow + vx / sw;
                if ((int)arg[at] == ki * kw + kj) total += dout[at];
            }
        }
        dimg = total;
        """,
    ),
    # out (N, C, oh, ow): each window's sum times scale = 1/(kh*kw) (zero padding counted)
    "avg_pool_forward": KernelSource(
        "scratchdl_avg_pool_forward", f"raw T img, T scale, {_GEOMETRY}", "T out",
        """
        const idx_t k = i;
        const int v = k % ow, u = k / ow % oh;
        const idx_t plane = k / ((idx_t)oh * ow) * h * w;
        T total = 0;
        for (int ki = 0; ki < kh; ++ki) {
            const int y = u * sh + ki - ph;
            if (y < 0 || y >= h) continue;
            for (int kj = 0; kj < kw; ++kj) {
                const int x = v * sw + kj - pw;
                if (x >= 0 && x < w) total += img[plane + (idx_t)y * w + x];
            }
        }
        out = total * scale;
        """,
    ),
    # dimg (N, C, H, W): scale times the sum of the upstream gradient of every window over the pixel
    "avg_pool_backward": KernelSource(
        "scratchdl_avg_pool_backward", f"raw T dout, T scale, {_GEOMETRY}", "T dimg",
        """
        const idx_t k = i;
        const int x = k % w, y = k / w % h;
        const idx_t plane = k / ((idx_t)h * w) * oh * ow;
        T total = 0;
        for (int ki = 0; ki < kh; ++ki) {
            const int uy = y + ph - ki;
            if (uy < 0 || uy % sh != 0 || uy / sh >= oh) continue;
            for (int kj = 0; kj < kw; ++kj) {
                const int vx = x + pw - kj;
                if (vx < 0 || vx % sw != 0 || vx / sw >= ow) continue;
                total += dout[plane + (idx_t)(uy / sh) * ow + vx / sw];
            }
        }
        dimg = total * scale;
        """,
    ),
}


# Arrays with more entries than this get the 64-bit build of a kernel.
INT32_LIMIT = 2**31 - 1


def index_type(*arrays) -> str:
    """The C type of positions for a call on ``arrays``: ``int`` when all of them are small enough."""
    return "long long" if max(a.size for a in arrays) > INT32_LIMIT else "int"


@functools.cache
def _kernel(key: str, index: str):
    import cupy

    source = KERNELS[key]
    name = f"{source.name}_{index.replace(' ', '_')}"
    return cupy.ElementwiseKernel(source.in_params, source.out_params, source.body, name,
                                  preamble=f"typedef {index} idx_t;")


def _launch(key: str, *args) -> None:
    """Run kernel ``key`` on ``args`` (CuPy's order: inputs, then outputs), raw arrays flattened."""
    arrays = [a for a in args if hasattr(a, "size") and hasattr(a, "shape") and a.ndim]
    _kernel(key, index_type(*arrays))(*args)


def _flat(a):
    """``a`` as a C-contiguous 1-D array (a view when it already is contiguous), for ``raw`` use."""
    import cupy

    return cupy.ascontiguousarray(a).reshape(-1)


def _out_size(size, kernel, stride, padding):
    return (size + 2 * padding - kernel) // stride + 1


def _geometry(x_shape, out_hw, kernel, stride, padding):
    """The ints ``h, w, oh, ow, kh, kw, sh, sw, ph, pw`` every kernel takes."""
    return (*x_shape[2:], *out_hw, *kernel, *stride, *padding)


# ---- the operations batch.py calls ---------------------------------------------------------------
def im2col(x, kernel, stride, padding):
    import cupy

    n, c, h, w = x.shape
    out_hw = _out_size(h, kernel[0], stride[0], padding[0]), _out_size(w, kernel[1], stride[1], padding[1])
    col = cupy.empty((c * kernel[0] * kernel[1], n * out_hw[0] * out_hw[1]), dtype=x.dtype)
    _launch("im2col", _flat(x), n, c, *_geometry(x.shape, out_hw, kernel, stride, padding), col)
    return col


def col2im(col, x_shape, kernel, stride, padding):
    import cupy

    n, c, h, w = x_shape
    out_hw = _out_size(h, kernel[0], stride[0], padding[0]), _out_size(w, kernel[1], stride[1], padding[1])
    img = cupy.empty(x_shape, dtype=col.dtype)
    _launch("col2im", _flat(col), n, c, *_geometry(x_shape, out_hw, kernel, stride, padding), img)
    return img


def max_pool_forward(x, out_shape, kernel, stride, padding, arg_dtype):
    import cupy

    out = cupy.empty(out_shape, dtype=x.dtype)
    arg = cupy.empty(out_shape, dtype=arg_dtype)
    geometry = _geometry(x.shape, out_shape[2:], kernel, stride, padding)
    _launch("max_pool_forward", _flat(x), *geometry, out, arg)
    return out, (arg, x.shape)


def max_pool_backward(dout, arg, x_shape, kernel, stride, padding):
    import cupy

    dimg = cupy.empty(x_shape, dtype=dout.dtype)
    geometry = _geometry(x_shape, dout.shape[2:], kernel, stride, padding)
    _launch("max_pool_backward", _flat(dout), _flat(arg), *geometry, dimg)
    return dimg


def avg_pool_forward(x, out_shape, kernel, stride, padding):
    import cupy

    out = cupy.empty(out_shape, dtype=x.dtype)
    scale = x.dtype.type(1.0 / (kernel[0] * kernel[1]))
    geometry = _geometry(x.shape, out_shape[2:], kernel, stride, padding)
    _launch("avg_pool_forward", _flat(x), scale, *geometry, out)
    return out


def avg_pool_backward(dout, x_shape, kernel, stride, padding):
    import cupy

    dimg = cupy.empty(x_shape, dtype=dout.dtype)
    scale = dout.dtype.type(1.0 / (kernel[0] * kernel[1]))
    geometry = _geometry(x_shape, dout.shape[2:], kernel, stride, padding)
    _launch("avg_pool_backward", _flat(dout), scale, *geometry, dimg)
    return dimg
