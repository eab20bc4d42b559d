"""Gradients summed over ranks in one flat buffer, the initial parameters broadcast, ``DataParallel``.

Rank ``r`` holds the mean gradient of its ``n_r`` samples, ``g_r = (1/n_r) sum_{i in r} dL_i/dW``
(the loss's backward divides by the local batch). The gradient of the whole global batch of
``n = sum_r n_r`` samples, the one a single process would compute, is

    g = (1/n) sum_i dL_i/dW = sum_r (n_r / n) g_r,

so shares of unequal size (the last batch of an epoch, 5 samples over 2 ranks) are weighted
exactly. Each rank's gradients live in one contiguous buffer, with ``n_r`` (and any counts to sum,
such as the loss times ``n_r``) at its end, and the buffer is all-reduced in one of two ways:

- *shared memory* (the default where it applies): the buffers of the ranks of a machine are the
  segments of one MPI-3 shared window, and each rank computes the weighted sum of one slice of
  all of them and writes it into every segment; between machines, one ``Allreduce`` per slice
  (``shared_memory.py`` gives the arithmetic and the barriers). It applies when every rank's
  gradients are host NumPy arrays of the buffer's dtype and every node runs as many ranks.
- *MPI*: each rank scales its buffer to ``n_r * g_r``, one ``Allreduce`` sums the buffers, and
  every rank reads ``n`` from the end and divides by it. Used otherwise (GPU gradients, mixed
  dtypes), and forced by the environment variable ``SCRATCHDL_ALLREDUCE=mpi`` (``auto``, the
  default, picks shared memory where it applies).

Either way there is one exchange per step, whatever the number of parameters, and every rank
ends with the same gradient, so every rank takes the same optimizer step from the same
parameters and the replicas stay equal. Gradients on a GPU go through host memory: one copy of
the packed buffer each way per step.
"""

from __future__ import annotations

import os

import numpy as np

from ..backend import get_array_module, to_numpy
from ..errors import unknown_name
from .comm import Comm, world
from .loader import check_global_batch
from .shared_memory import open_shared_memory_allreduce

METHOD_VAR = "SCRATCHDL_ALLREDUCE"
METHODS = ("auto", "mpi")


def allreduce_method() -> str:
    """``SCRATCHDL_ALLREDUCE``: ``auto`` (unset: shared memory where it applies) or ``mpi`` (always
    MPI's ``Allreduce``); anything else is a ``ConfigError``."""
    name = os.environ.get(METHOD_VAR, "").strip().lower() or "auto"
    if name not in METHODS:
        raise unknown_name(f"{METHOD_VAR} value", name, METHODS)
    return name


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

    ``reducer(n_local, extras, n_global)`` leaves the sample-weighted mean of the ranks' gradients
    in each ``param.grad`` and returns ``(n, summed extras)``. Given ``n_global`` (the global batch,
    which a loader knows in advance), a sum ``n`` that differs from it is a ``StateError``; on the
    MPI path each rank then scales by ``n_local / n_global`` before the sum and nothing after. It is
    collective: every rank must build it together and call it at the same step. ``method`` says
    which all-reduce runs: ``"shared memory"``, ``"mpi"``, or ``"none"`` in a world of one process.

    On the host, each ``param.grad`` becomes a view into the buffer (as PyTorch DDP's
    ``gradient_as_bucket_view``): backward accumulates straight into it, into the shared window on
    the shared-memory path, so a step makes no copies. Gradients on a GPU (or of mixed dtypes) are
    copied into the buffer and back instead.

    ``node`` (tests): the communicator of the ranks that share memory with this one, instead of
    MPI's split of ``comm`` by machine. ``close()`` (collective) frees the shared window; the
    reducer then goes on with MPI's ``Allreduce``. Without it the window lives until MPI ends.
    """

    def __init__(self, params, comm: Comm | None = None, num_extras: int = 0, *, node: Comm | None = None):
        self.params = list(params)
        self.comm = comm or world()
        self.dtype = np.result_type(*[p.dtype for p in self.params]) if self.params else np.float64
        sizes = [int(p.data.size) for p in self.params]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        self.num_extras = num_extras
        on_host = all(isinstance(p.grad, np.ndarray) and p.grad.dtype == self.dtype for p in self.params)
        self.shared = None
        if self.comm.size > 1:
            wanted = allreduce_method() == "auto" and on_host
            if self.comm.mpi is not None:
                self.shared = open_shared_memory_allreduce(self.comm, self.offsets[-1], num_extras,
                                                           self.dtype, wanted, node)
        size = int(self.offsets[-1]) + 1 + num_extras
        self.buffer = self.shared.segment if self.shared is not None else np.zeros(size, dtype=self.dtype)
        self.views = None
        if on_host:
            self._make_views()

    @property
    def method(self) -> str:
        if self.comm.size == 1:
            return "none"
        return "shared memory" if self.shared is not None else "mpi"

    def _make_views(self) -> None:
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
        grads = self.buffer[:int(self.offsets[-1])]
        in_place = self.views is not None and self._bind()
        if self.shared is None:
            return self._mpi_allreduce(n_local, extras, n_global, in_place)
        if not in_place:
            self._pack(1.0, grads)
        n, summed = self.shared(n_local, extras, n_global)
        if not in_place:
            self._unpack(1.0, grads)
        return n, summed

    def _mpi_allreduce(self, n_local, extras, n_global, in_place) -> tuple[int, np.ndarray]:
        buf, end = self.buffer, int(self.offsets[-1])
        weight = n_local / n_global if n_global else n_local
        if in_place:
            buf[:end] *= weight
        else:
            self._pack(weight, buf[:end])
        buf[end] = n_local
        buf[end + 1:] = extras
        self.comm.allreduce_sum_(buf)
        n = int(round(float(buf[end])))
        check_global_batch(n, n_global)
        if not in_place:
            self._unpack(1.0 if n_global else 1.0 / n, buf[:end])
        elif not n_global:
            buf[:end] *= 1.0 / n
        return n, buf[end + 1:].copy()

    def close(self) -> None:
        """Free the shared window (collective: every rank calls it at the same point). The gradients
        move to a private buffer and later steps use MPI's ``Allreduce``. Nothing on the MPI path."""
        if self.shared is None:
            return
        self.buffer = self.buffer.copy()
        if self.views is not None:
            self._make_views()  # each param.grad copied out of the window before it is freed
        self.shared.close()
        self.shared = None

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
