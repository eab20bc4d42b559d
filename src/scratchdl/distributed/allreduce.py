"""Gradients summed over ranks in one flat buffer, the initial parameters broadcast, ``DataParallel``.

Rank ``r`` holds the mean gradient of its ``n_r`` samples, ``g_r = (1/n_r) sum_{i in r} dL_i/dW``
(the loss's backward divides by the local batch). The gradient of the whole global batch of
``n = sum_r n_r`` samples, the one a single process would compute, is

    g = (1/n) sum_i dL_i/dW = sum_r (n_r / n) g_r,

so each rank writes ``n_r * g_r`` of every parameter into one contiguous buffer, with ``n_r`` (and
any counts to sum, such as the loss times ``n_r``) at its end; one ``Allreduce`` sums the buffer
over the ranks; every rank reads ``n`` from the end and sets each gradient to its slice divided
by ``n``. One message per step, whatever the number of parameters; shares of unequal size (the
last batch of an epoch, 5 samples over 2 ranks) are weighted exactly. Every rank then takes the
same optimizer step from the same parameters, so the replicas stay equal.

Gradients on a GPU go through host memory: one copy of the packed buffer each way per step.
"""

from __future__ import annotations

import numpy as np

from ..backend import get_array_module, to_numpy
from ..errors import StateError
from .comm import Comm, world


def broadcast_parameters(model, root: int = 0, comm: Comm | None = None) -> None:
    """Overwrite every parameter and buffer (running statistics) of ``model`` with rank ``root``'s."""
    comm = comm or world()
    if comm.size == 1:
        return
    for array in model.state_dict().values():
        host = np.ascontiguousarray(to_numpy(array))
        comm.bcast_(host, root)
        array[...] = get_array_module(array).asarray(host)


class GradientReducer:
    """The flat buffer and the all-reduce of the gradients of ``params`` (see the module's docstring).

    ``reducer(n_local, extras)`` sums ``n_local * grad`` over the ranks, divides by the summed
    ``n`` and leaves the result in each ``param.grad``; it returns ``(n, summed extras)``. Given
    ``n_global`` (the global batch, which a loader knows in advance), each rank scales by
    ``n_local / n_global`` before the sum and nothing after: one pass over the buffer fewer. It is
    collective: every rank must call it at the same step.

    On the host, each ``param.grad`` becomes a view into the buffer (as PyTorch DDP's
    ``gradient_as_bucket_view``): backward accumulates straight into it, so a step costs two
    in-place scalings of the buffer and the ``Allreduce``, and no copies. Gradients on a GPU (or
    of mixed dtypes) are copied into the buffer and back instead.
    """

    def __init__(self, params, comm: Comm | None = None, num_extras: int = 0):
        self.params = list(params)
        self.comm = comm or world()
        self.dtype = np.result_type(*[p.dtype for p in self.params]) if self.params else np.float64
        sizes = [int(p.data.size) for p in self.params]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        self.num_extras = num_extras
        self.buffer = np.zeros(int(self.offsets[-1]) + 1 + num_extras, dtype=self.dtype)
        self.views = None
        if all(isinstance(p.grad, np.ndarray) and p.grad.dtype == self.dtype for p in self.params):
            self.views = [self.buffer[lo:hi].reshape(p.grad.shape)
                          for p, lo, hi in zip(self.params, self.offsets[:-1], self.offsets[1:], strict=True)]
            self._bind()

    def _bind(self) -> bool:
        """Make each ``param.grad`` its view again (``Module.to`` replaces them); False if not on the host."""
        for p, view in zip(self.params, self.views, strict=True):
            if p.grad is not view:
                if not isinstance(p.grad, np.ndarray) or p.grad.dtype != self.dtype:
                    self.views = None
                    return False
                view[...] = p.grad
                p.grad = view
        return True

    def __call__(self, n_local: int, extras=(), n_global: int | None = None) -> tuple[int, np.ndarray]:
        if len(extras) != self.num_extras:
            raise ValueError(f"GradientReducer: expected {self.num_extras} extras, got {len(extras)}")
        if self.comm.size == 1:  # one process: the gradients already are the batch's
            return int(n_local), np.array(extras, dtype=self.dtype)
        buf, end = self.buffer, int(self.offsets[-1])
        in_place = self.views is not None and self._bind()
        weight = n_local / n_global if n_global else n_local
        if in_place:
            buf[:end] *= weight
        else:
            self._pack(weight, buf[:end])
        buf[end] = n_local
        buf[end + 1:] = extras
        self.comm.allreduce_sum_(buf)
        n = int(round(float(buf[end])))
        if n_global and n != n_global:
            raise StateError(f"GradientReducer: the ranks' batches sum to {n} samples, not the {n_global} "
                             "expected: the ranks are at different steps")
        if not in_place:
            self._unpack(1.0 if n_global else 1.0 / n, buf[:end])
        elif not n_global:
            buf[:end] *= 1.0 / n
        return n, buf[end + 1:].copy()

    def _pack(self, scale, flat: np.ndarray) -> None:
        grads = [p.grad for p in self.params]
        if grads and get_array_module(grads[0]) is not np:  # GPU: pack there, one copy to the host
            xp = get_array_module(grads[0])
            flat[...] = to_numpy(xp.concatenate([g.ravel() for g in grads]) * scale)
            return
        for g, lo, hi in zip(grads, self.offsets[:-1], self.offsets[1:], strict=True):
            np.multiply(g.reshape(-1), scale, out=flat[lo:hi])

    def _unpack(self, scale, flat: np.ndarray) -> None:
        xp = get_array_module(self.params[0].grad) if self.params else np
        if xp is not np:
            flat = xp.asarray(flat)
        for p, lo, hi in zip(self.params, self.offsets[:-1], self.offsets[1:], strict=True):
            xp.multiply(flat[lo:hi].reshape(p.grad.shape), scale, out=p.grad, casting="same_kind")


def allreduce_gradients(model, n_local: int, comm: Comm | None = None) -> int:
    """Replace every gradient of ``model`` with the sample-weighted mean over all ranks; returns the
    global batch size. Call it after ``backward`` and before ``optimizer.step()``, on every rank."""
    reducer = getattr(model, "_scratchdl_reducer", None)
    if reducer is None or (comm is not None and reducer.comm is not comm):
        reducer = GradientReducer(model.parameters(), comm)
        object.__setattr__(model, "_scratchdl_reducer", reducer)
    return reducer(n_local)[0]


class DataParallel:
    """A model replicated on every rank, as PyTorch's ``DistributedDataParallel``.

    On construction, rank ``root``'s parameters and buffers are copied to all ranks. Calling the
    wrapper runs the model and remembers the local batch size; ``backward`` runs the model's
    backward and then the gradient all-reduce, so the training step keeps its four lines::

        model = distributed.DataParallel(model)
        y = model(x); loss = loss_fn(y, t)
        optimizer.zero_grad(); model.backward(loss_fn.backward()); optimizer.step()

    Everything else (``parameters()``, ``state_dict()``, ``eval()``...) is the wrapped model's, so
    checkpoints are the same as a single process's. Batch norm keeps per-rank batch statistics.
    """

    def __init__(self, module, comm: Comm | None = None, root: int = 0):
        self.module = module
        self.comm = comm or world()
        broadcast_parameters(module, root, self.comm)
        self.reducer = GradientReducer(module.parameters(), self.comm)
        self.n_local = 0

    def __call__(self, x):
        self.n_local = len(x)
        return self.module(x)

    forward = __call__

    def backward(self, dout):
        dx = self.module.backward(dout)
        self.reducer(self.n_local)
        return dx

    def __getattr__(self, name):
        return getattr(self.module, name)

    def __repr__(self) -> str:
        return f"DataParallel({self.module!r}, {self.comm})"
