"""2-D convolution as a matrix product over image patches (im2col)."""

from __future__ import annotations

from .. import book_hints
from ..backend import get_array_module
from ..calls import explain_call
from ..errors import ConfigError, ShapeError
from . import kernels
from .im2col import conv_output_size
from .init import initialize
from .module import Module, Parameter
from .validate import check_input


def int_pair(value, layer: str, option: str, minimum: int) -> tuple[int, int]:
    """``value`` (an int or a pair of ints, each >= ``minimum``) as a pair, else a ConfigError."""
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, int) and v >= minimum for v in pair):
        raise ConfigError(f"{layer}: {option} must be an int >= {minimum} or a pair of them, got {value!r}")
    return pair


def show_pair(pair) -> str:
    """``3`` for (3, 3), ``(3, 2)`` otherwise: how a repr shows a size."""
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

    How the products run is chosen by ``nn.kernels`` from the input's array library: on the
    CPU, blocks of samples sized for the cache and spread over the cores, with a contiguous
    patch layout for stride-1 layers (``kernels/cpu.py``, where the input gradient becomes a
    correlation of :math:`\delta` with the flipped kernel); on a GPU, the whole batch in one
    product per pass (``kernels/batch.py``). ``kernels/reference.py`` is the formula above,
    line for line.
    """

    @explain_call(book_hints.CONVOLUTION)
    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 bias: bool = True, init="he_normal", rng=None, dtype=None):
        call = "Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0)"
        for size in (in_channels, out_channels, kernel_size):
            book_hints.refuse_array(size, call, book_hints.CONVOLUTION)
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
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={show_pair(self.kernel_size)}"
        if self.stride != (1, 1):
            text += f", stride={show_pair(self.stride)}"
        if self.padding != (0, 0):
            text += f", padding={show_pair(self.padding)}"
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
    # How the products and patch copies run (blocks over CPU cores, or the whole batch on a GPU)
    # is the strategy's business (``nn.kernels``); forward keeps the strategy with its cache, so
    # backward runs the same one.
    def forward(self, x):
        self._check(x)
        k = kernels.for_array(x)
        bias = self.bias.data if self.bias is not None else None
        y, cache = k.conv2d_forward(x, self.weight.data, bias, self.stride, self.padding,
                                    self.input_grad)                            # Y = W2 col + b
        self._cache = (k, cache)
        return y

    def backward(self, dout):
        """dL/dx (None when ``input_grad`` is False); adds dL/dW and dL/db."""
        k, cache = self.saved()
        dx, dw, db = k.conv2d_backward(dout, cache, self.weight.data, self.bias is not None,
                                       self.stride, self.padding, self.input_grad)
        self.weight.grad += dw                                                  # delta col^T
        if self.bias is not None:
            self.bias.grad += db                                                # sum of delta
        return dx                                                               # col2im(W2^T delta)


Convolution = Conv2d
