"""Batch normalization, with PyTorch's conventions: running variance starts at 1,
``running = (1 - momentum) * running + momentum * batch`` with the unbiased batch variance,
``eps = 1e-5``. BatchNorm1d normalizes each feature over (N,) or (N, L); BatchNorm2d each
channel over (N, H, W)."""

from __future__ import annotations

from .. import book_hints
from ..backend import get_array_module, resolve_dtype
from ..calls import explain_call
from .module import Module, Parameter
from .validate import check_input


class _BatchNorm(Module):
    r"""Per channel :math:`c` (axis 1), over the other axes (:math:`m` values each):

    .. math::
        \hat x = (x - \mu) / \sqrt{\sigma^2 + \epsilon}, \qquad y = \gamma \hat x + \beta

    Backward in training mode (batch statistics), sums over the same axes:

    .. math::
        \frac{\partial L}{\partial x} = \frac{\gamma}{m\sqrt{\sigma^2+\epsilon}}
        \Big(m\,\delta - \textstyle\sum \delta - \hat x \sum \delta \hat x\Big), \quad
        \frac{\partial L}{\partial \gamma} = \textstyle\sum \delta \hat x, \quad
        \frac{\partial L}{\partial \beta} = \textstyle\sum \delta

    In ``eval()`` the running statistics are constants: :math:`\partial L/\partial x =
    \delta\,\gamma / \sqrt{\sigma^2_{run} + \epsilon}`.
    """

    ndims: tuple[int, ...] = ()

    @explain_call(book_hints.BATCH_NORM)
    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = True, dtype=None):
        book_hints.refuse_array(num_features, f"{type(self).__name__}(num_features)", book_hints.BATCH_NORM)
        super().__init__()
        import numpy as np

        dtype = resolve_dtype(dtype)
        self.num_features, self.eps, self.momentum, self.affine = num_features, eps, momentum, affine
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype=dtype))
            self.bias = Parameter(np.zeros(num_features, dtype=dtype))
        self.register_buffer("running_mean", np.zeros(num_features, dtype=dtype))
        self.register_buffer("running_var", np.ones(num_features, dtype=dtype))
        self.register_buffer("num_batches_tracked", np.zeros((), dtype=np.int64))

    def extra_repr(self) -> str:
        return f"{self.num_features}"

    @explain_call(book_hints.BATCH_NORM)
    def forward(self, x):
        check_input(self, x, ndim=self.ndims, axis=1, size=self.num_features)
        xp = get_array_module(x)
        axes = (0,) + tuple(range(2, x.ndim))
        shape = (1, -1) + (1,) * (x.ndim - 2)
        if self.training:
            mean = x.mean(axis=axes)
            var = x.var(axis=axes)
            m = x.size // self.num_features
            unbiased = var * (m / max(m - 1, 1))
            self.running_mean[...] = (1 - self.momentum) * self.running_mean + self.momentum * mean
            self.running_var[...] = (1 - self.momentum) * self.running_var + self.momentum * unbiased
            self.num_batches_tracked[...] += 1
        else:
            mean, var = self.running_mean, self.running_var
        inv_std = (1.0 / xp.sqrt(var + self.eps)).astype(x.dtype, copy=False)
        x_hat = (x - mean.reshape(shape)) * inv_std.reshape(shape)
        self._cache = (x_hat, inv_std, axes, shape, self.training)
        if not self.affine:
            return x_hat
        return x_hat * self.weight.data.reshape(shape) + self.bias.data.reshape(shape)

    def backward(self, dout):
        x_hat, inv_std, axes, shape, training = self.saved()
        gamma = self.weight.data if self.affine else 1
        if self.affine:
            self.weight.grad += (dout * x_hat).sum(axis=axes)
            self.bias.grad += dout.sum(axis=axes)
        scale = (gamma * inv_std).reshape(shape)
        if not training:
            return dout * scale
        m = dout.size // self.num_features
        sum_d = dout.sum(axis=axes).reshape(shape)
        sum_dx = (dout * x_hat).sum(axis=axes).reshape(shape)
        return scale / m * (m * dout - sum_d - x_hat * sum_dx)


class BatchNorm1d(_BatchNorm):
    """Batch norm for (N, C) or (N, C, L) inputs, per feature C."""

    ndims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm for (N, C, H, W) inputs, per channel C (statistics over N, H and W)."""

    ndims = (4,)
