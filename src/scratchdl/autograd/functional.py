r"""The functions of a network, on Tensors, with PyTorch's names: ``import ... functional as F``.

Activations (``relu``, ``sigmoid``, ``tanh``, ``leaky_relu``, ``gelu``, ``softmax``,
``log_softmax``), losses (``cross_entropy``, ``mse_loss``, ``binary_cross_entropy_with_logits``),
layers as functions of their parameters (``linear`` with the course's (in, out) weight, ``conv2d``
with PyTorch's (O, C, kh, kw) weight, ``max_pool2d``, ``avg_pool2d``, ``batch_norm``, ``dropout``)
and tensor plumbing (``where``, ``concatenate``, ``stack``, ``matmul``, ``exp``, ``log``, ``erf``).
Each is written with operations whose backward is itself differentiable.
"""

from __future__ import annotations

import math

from ..backend import default_rng, get_array_module
from ..errors import ConfigError, ShapeError
from .function import constant
from .ops.conv import conv2d
from .ops.elementwise import erf, exp, leaky_relu, log, relu, sigmoid, tanh, where
from .ops.matmul import linear, matmul
from .ops.pool import avg_pool2d, max_pool2d
from .ops.reduce import broadcast_to, sum_to
from .ops.shape import concatenate, reshape, stack, transpose
from .ops.softmax import binary_cross_entropy_with_logits, cross_entropy, log_softmax, mse_loss, softmax
from .tensor import Tensor

__all__ = [
    "avg_pool2d", "batch_norm", "binary_cross_entropy_with_logits", "broadcast_to", "concatenate",
    "conv2d", "cross_entropy", "dropout", "dropout2d", "erf", "exp", "flatten", "gelu",
    "global_avg_pool2d", "leaky_relu", "linear", "log", "log_softmax", "matmul", "max_pool2d",
    "mse_loss", "relu", "reshape", "sigmoid", "softmax", "stack", "sum_to", "tanh", "transpose", "where",
]


def _tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def gelu(x, approximate: str = "none") -> Tensor:
    r"""Gaussian error linear unit, :math:`x\,\Phi(x) = \tfrac12 x (1 + \mathrm{erf}(x/\sqrt2))`;
    ``approximate="tanh"``: :math:`\tfrac12 x (1 + \tanh(\sqrt{2/\pi}(x + 0.044715 x^3)))`."""
    x = _tensor(x)
    if approximate == "tanh":
        return 0.5 * x * (1 + tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    if approximate != "none":
        raise ConfigError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return 0.5 * x * (1 + erf(x / math.sqrt(2)))


def flatten(x, start_dim: int = 1) -> Tensor:
    """Each sample as one vector: (N, d1, d2, ...) -> (N, d1*d2*...)."""
    x = _tensor(x)
    return x.reshape(*x.shape[:start_dim], -1)


def global_avg_pool2d(x) -> Tensor:
    """The mean of each channel over the image: (N, C, H, W) -> (N, C)."""
    x = _tensor(x)
    if x.ndim != 4:
        raise ShapeError(f"global_avg_pool2d: expected input shape (N, C, H, W), got {x.shape}")
    return x.mean(axis=(2, 3))


def batch_norm(x, running_mean=None, running_var=None, weight=None, bias=None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    r"""Batch normalization over axis 1 (PyTorch's signature and conventions).

    .. math::
        \hat x = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}, \qquad y = \gamma \hat x + \beta

    In ``training`` the batch's mean and (biased) variance over every axis but 1 are used, and the
    running statistics, when given as arrays, are updated in place with the unbiased variance:
    ``running = (1 - momentum) * running + momentum * batch``. Otherwise the running statistics are
    the constants :math:`\mu, \sigma^2`. Written with Tensor operations, so every derivative, of any
    order, follows.
    """
    x = _tensor(x)
    if x.ndim < 2:
        raise ShapeError(f"batch_norm: expected an input (N, C, ...), got {x.shape}")
    channels = x.shape[1]
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, channels) + (1,) * (x.ndim - 2)
    stats = [_array(s) for s in (running_mean, running_var)]
    for name, s in zip(("running_mean", "running_var"), stats, strict=True):
        if s is not None and s.shape != (channels,):
            raise ShapeError(f"batch_norm: {name} must have shape ({channels},), got {s.shape}")
    if training:
        mean = x.mean(axis=axes, keepdims=True)
        centered = x - mean
        var = (centered * centered).mean(axis=axes, keepdims=True)
        if stats[0] is not None and stats[1] is not None:
            m = x.size // channels
            unbiased = var._data.reshape(-1) * (m / max(m - 1, 1))
            stats[0][...] = (1 - momentum) * stats[0] + momentum * mean._data.reshape(-1)
            stats[1][...] = (1 - momentum) * stats[1] + momentum * unbiased
    else:
        if stats[0] is None or stats[1] is None:
            raise ConfigError("batch_norm: evaluation (training=False) needs running_mean and running_var")
        centered = x - constant(stats[0].reshape(shape), x)
        var = constant(stats[1].reshape(shape), x)
    out = centered * (var + eps) ** -0.5
    if weight is not None:
        out = out * _tensor(weight).reshape(shape)
    if bias is not None:
        out = out + _tensor(bias).reshape(shape)
    return out


def _array(value):
    return value._data if isinstance(value, Tensor) else value


def dropout(x, p: float = 0.5, training: bool = True, rng=None) -> Tensor:
    r"""Inverted dropout: each element kept with probability :math:`1 - p` and scaled by
    :math:`1/(1 - p)`; the identity when not ``training``. The mask comes from ``rng`` (a
    ``numpy.random.Generator``) or the library-wide generator, drawn as the ``Dropout`` layer draws
    it, so one seed gives both the same mask."""
    return _dropout(_tensor(x), p, training, rng, "dropout", ())


def dropout2d(x, p: float = 0.5, training: bool = True, rng=None) -> Tensor:
    """Channel dropout for (N, C, H, W): whole feature maps kept or dropped together."""
    x = _tensor(x)
    if x.ndim != 4:
        raise ShapeError(f"dropout2d: expected input shape (N, C, H, W), got {x.shape}")
    return _dropout(x, p, training, rng, "dropout2d", (2, 3))


def _dropout(x: Tensor, p: float, training: bool, rng, op: str, shared_axes) -> Tensor:
    if not 0.0 <= p < 1.0:
        raise ConfigError(f"{op}: p must be in [0, 1), got {p}")
    if not training or p == 0.0:
        return x
    rng = default_rng() if rng is None else rng
    mask_shape = tuple(1 if axis in shared_axes else n for axis, n in enumerate(x.shape))
    keep = rng.random(mask_shape) >= p
    xp = get_array_module(x._data)
    scale = xp.asarray(keep, dtype=x.dtype) * x.dtype.type(1.0 / (1.0 - p))
    return x * constant(scale, x)

