r"""``SyncBatchNorm``: batch norm whose batch statistics are those of the whole global batch.

Plain batch norm under data parallelism normalizes each rank's share by the share's own mean and
variance (PyTorch DDP's default, and ours). ``convert_sync_batchnorm(model)`` makes every batch
norm layer use the statistics of all ranks' samples together, so training equals one process's.

Forward (training), per channel, over all ranks' :math:`M = \sum_r m_r` values: one all-reduce of
:math:`(\sum x, m_r)` gives :math:`\mu`, a second of :math:`\sum (x-\mu)^2` gives
:math:`\sigma^2` (two passes, as one process computes them). Backward: the loss that the ranks
optimise together is :math:`L = \sum_r w_r L_r`, :math:`w_r = n_r / n` (the gradient all-reduce's
weights; :math:`n_r` samples on rank :math:`r`), so :math:`\partial L/\partial y = w_r\,\delta` on
rank :math:`r`. With :math:`G_1 = \sum_r w_r \sum \delta`, :math:`G_2 = \sum_r w_r \sum \delta\hat x`
(one all-reduce), rank :math:`r` returns :math:`(\partial L/\partial x) / w_r`, since the
gradient all-reduce multiplies what it computes from it by :math:`w_r`:

.. math::
    \frac{\partial L}{\partial x} \Big/ w_r = \frac{\gamma}{M\sqrt{\sigma^2+\epsilon}}
    \Big(M\,\delta - \frac{G_1 + \hat x\, G_2}{w_r}\Big)
    = \frac{\gamma}{M\sqrt{\sigma^2+\epsilon}}
    \Big(M\,\delta - \frac{S_1 + \hat x\, S_2}{n_r}\Big)

with :math:`S_1 = \sum_r n_r \sum \delta = n G_1` and :math:`S_2 = \sum_r n_r \sum \delta\hat x = n G_2`:
the global batch :math:`n` cancels, and the all-reduce sums :math:`S_1, S_2` alone.

:math:`\partial L/\partial\gamma` and :math:`\partial L/\partial\beta` stay local sums: the
gradient all-reduce weights and adds them. In ``eval()`` it is plain batch norm.
"""

from __future__ import annotations

import numpy as np

from ..backend import get_array_module, to_numpy
from ..nn.norm import _BatchNorm
from .comm import Comm, world


def _allreduce(comm: Comm, *arrays):
    """Sum host copies of ``arrays`` (concatenated in one message) over the ranks; device arrays back."""
    xp = get_array_module(arrays[0])
    host = [np.atleast_1d(to_numpy(a)).astype(np.float64) for a in arrays]
    flat = comm.allreduce_sum_(np.concatenate(host))
    out, start = [], 0
    for a, h in zip(arrays, host, strict=True):
        out.append(xp.asarray(flat[start:start + h.size].reshape(np.shape(a))))
        start += h.size
    return out


class SyncBatchNorm(_BatchNorm):
    """Batch norm over the global batch of all ranks (1-d or 2-d: the layer it replaced decides)."""

    ndims = (2, 3, 4)
    comm: Comm | None = None

    def forward(self, x):
        comm = self.comm or world()
        if not self.training or comm.size == 1:
            return super().forward(x)
        xp = get_array_module(x)
        axes = (0,) + tuple(range(2, x.ndim))
        shape = (1, -1) + (1,) * (x.ndim - 2)
        m_local = x.size // self.num_features
        total, m = _allreduce(comm, x.sum(axis=axes), xp.asarray(float(m_local)))
        m = int(round(float(m)))
        mean = (total / m).astype(x.dtype)
        (squares,) = _allreduce(comm, ((x - mean.reshape(shape)) ** 2).sum(axis=axes))
        var = (squares / m).astype(x.dtype)
        self.running_mean[...] = (1 - self.momentum) * self.running_mean + self.momentum * mean
        unbiased = var * (m / max(m - 1, 1))
        self.running_var[...] = (1 - self.momentum) * self.running_var + self.momentum * unbiased
        self.num_batches_tracked[...] += 1
        inv_std = (1.0 / xp.sqrt(var + self.eps)).astype(x.dtype, copy=False)
        x_hat = (x - mean.reshape(shape)) * inv_std.reshape(shape)
        self._cache = (x_hat, inv_std, axes, shape, True)
        self._sync = (m, len(x))
        if not self.affine:
            return x_hat
        return x_hat * self.weight.data.reshape(shape) + self.bias.data.reshape(shape)

    def backward(self, dout):
        x_hat, inv_std, axes, shape, training = self.saved()
        comm = self.comm or world()
        if not training or comm.size == 1:
            return super().backward(dout)
        if self.affine:
            self.weight.grad += (dout * x_hat).sum(axis=axes)
            self.bias.grad += dout.sum(axis=axes)
        gamma = self.weight.data if self.affine else 1
        m, n_local = self._sync
        s1, s2 = _allreduce(comm, n_local * dout.sum(axis=axes), n_local * (dout * x_hat).sum(axis=axes))
        scale = (gamma * inv_std).reshape(shape)
        return (scale / m * (m * dout - (s1.reshape(shape) + x_hat * s2.reshape(shape)) / n_local)).astype(
            dout.dtype, copy=False)


def convert_sync_batchnorm(model, comm: Comm | None = None):
    """Turn every batch norm layer of ``model`` into a ``SyncBatchNorm`` (in place; same parameters,
    buffers and names, so checkpoints are unchanged). Returns ``model``."""
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.__class__ = SyncBatchNorm
            module.comm = comm
    return model
