r"""Function: one operation of the graph, its forward on arrays and its backward on Tensors.

A subclass writes two methods on the same screen::

    class Mul(Function):
        def forward(self, a, b):                 # arrays in, array(s) out
            self.save_for_backward(*self.inputs)  # the input Tensors backward will need
            return a * b

        def backward(self, gy):                  # Tensors in, one gradient (or None) per input
            a, b = self.saved_tensors
            return gy * b, gy * a

``Mul()(x, y)`` runs it. When grad mode is on and an input requires a gradient, the call records
the node: its **edges** (for each input, the function that produced it, or the leaf tensor
itself), its **generation** (the largest of its inputs'; an output's is one more), and weak
references to its outputs. Because ``backward`` is written with Tensor operations, running it with
grad mode on (``create_graph=True``) records the backward pass as a graph of its own, which can be
differentiated again: second and higher derivatives come for free.

What backward needs is kept in three ways: hyperparameters (stride, axis) as attributes set in
``__init__``; input tensors through ``save_for_backward`` (their version is checked at backward);
anything else (a ReLU's mask, a convolution's patches) in ``self.cache``. An operation whose
backward reads its own output says ``keeps_output = True`` and calls ``self.output()``: the array
is kept, not the output Tensor, so that no cycle ties the node to its output. ``release()``
(after a backward without ``retain_graph``) drops all of it.
"""

from __future__ import annotations

import weakref

import numpy as np

from ..backend import device_of, get_array_module
from ..errors import DeviceError, GraphError
from . import mode
from .tensor import Tensor, is_number


class Function:
    """One operation of a computational graph: forward on arrays, backward on Tensors."""

    keeps_output = False     # backward reads the output through self.output()
    view = False             # the output may share the first input's memory (and version counter)

    generation = 0
    scope = None             # (layer path, layer kind, "forward" or "backward"), see mode.scope
    next_edges: tuple = ()
    cache = None
    _freed = False
    _saved = None
    _output_data = None
    _outputs: tuple = ()

    def __call__(self, *inputs):
        tensors, record = inputs, False
        for t in inputs:                      # the common case costs one pass: NumPy tensors only
            if type(t) is not Tensor or type(t._data) is not np.ndarray:
                tensors = as_tensors(self, inputs)
                break
        if mode.is_grad_enabled():
            for t in tensors:
                if t._requires_grad:
                    record = True
                    break
        self.record = record
        self.needs_input_grad = (tuple([t._requires_grad for t in tensors]) if record
                                 else (False,) * len(tensors))
        self.inputs = tensors
        ys = self.forward(*[t._data for t in tensors])
        self.inputs = None
        single = type(ys) is not tuple
        if single:
            ys = (ys,)
        version = None
        if self.view and _shares_memory(ys[0], tensors[0]._data):
            version = tensors[0]._version
        if not record:
            self.cache = None
            if single:
                return Tensor._wrap(ys[0], False, None, 0, version)
            return tuple(Tensor._wrap(y, False, None, 0, version if i == 0 else None)
                         for i, y in enumerate(ys))
        generation, edges, meta = 0, [], []
        for t in tensors:
            fn = t.grad_fn
            if fn is not None and fn.generation >= generation:
                generation = fn.generation + 1
            edges.append(None if not t._requires_grad else (t, 0) if fn is None else (fn, t._index))
            meta.append((t._data.shape, t._data.dtype, weakref.ref(t)))
        self.generation, self.next_edges, self.input_meta = generation, tuple(edges), tuple(meta)
        self.scope = mode.current_scope()
        if single:
            out = Tensor._wrap(ys[0], True, self, 0, version)
            outputs = (out,)
        else:
            outputs = tuple([Tensor._wrap(y, True, self, i, version if i == 0 else None)
                             for i, y in enumerate(ys)])
        self._outputs = tuple([weakref.ref(t) for t in outputs])
        self.output_meta = tuple([(y.shape, y.dtype) for y in ys])
        if self.keeps_output:
            self._output_data = tuple([(y, t._version, t._version.value) for y, t in zip(ys, outputs,
                                                                                         strict=True)])
        return outputs[0] if single else outputs

    def forward(self, *xs):
        """The arrays out, from the arrays in."""
        raise NotImplementedError

    def backward(self, *gys):
        """One gradient per input (a Tensor, or None where ``needs_input_grad`` is False), from the
        gradients of the outputs (Tensors; None for an output no gradient reached)."""
        raise NotImplementedError

    # ---- what backward keeps ---------------------------------------------------------------------
    def save_for_backward(self, *tensors) -> None:
        """Keep these tensors (inputs, read from ``self.inputs`` in forward) for backward."""
        if self.record:
            self._saved = tuple(None if t is None else (t, t._version.value) for t in tensors)

    @property
    def saved_tensors(self) -> tuple:
        """The tensors ``save_for_backward`` kept (None where None was saved), checked to be
        unchanged since."""
        if self._saved is None:
            raise self._freed_error()
        for kept in self._saved:
            if kept is not None and kept[0]._version.value != kept[1]:
                raise self._changed_error(kept[0], self._position(kept[0]), kept[1], "input")
        return tuple(None if kept is None else kept[0] for kept in self._saved)

    def _position(self, t) -> int:
        """Which input ``t`` was (for messages)."""
        return next((i for i, (_, _, ref) in enumerate(self.input_meta) if ref() is t), 0)

    def output(self, index: int = 0) -> Tensor:
        """This function's output ``index`` as a Tensor whose ``grad_fn`` is this function (so that a
        backward recorded with ``create_graph`` differentiates through it again)."""
        if self._output_data is None:
            raise self._freed_error()
        data, version, value = self._output_data[index]
        if version.value != value:
            holder = self._outputs[index]()
            raise self._changed_error(holder, index, value, "output", version.value)
        return Tensor._wrap(data, True, self, index, version)

    def release(self) -> None:
        """Drop everything kept for backward (the graph's structure stays, for drawing)."""
        self._saved = self._output_data = self.cache = None
        self._freed = True

    def label(self) -> str:
        """How drawings name this operation."""
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{type(self).__name__} generation={self.generation}>"

    # ---- errors -----------------------------------------------------------------------------
    def _freed_error(self) -> GraphError:
        return GraphError(
            f"{self.label()}: the values it saved for backward were freed by an earlier backward(); "
            f"pass retain_graph=True to the first backward() (or grad()) to go through a graph twice")

    def _changed_error(self, t, position, saved, what, now=None) -> GraphError:
        now = t._version.value if now is None and t is not None else now
        name = f"{t.name!r} " if t is not None and t.name else ""
        shape = self.input_meta[position][0] if what == "input" else self.output_meta[position][0]
        return GraphError(
            f"{self.label()}: its {what} {position} {name}(shape {tuple(shape)}) was changed in place "
            f"after it was saved for backward (version {saved} then, {now} now), so its gradient would be "
            f"wrong; change a copy, or run backward before changing it")


def _shares_memory(a, b) -> bool:
    return get_array_module(a).may_share_memory(a, b)


def as_tensors(op: Function, inputs) -> tuple:
    """``inputs`` as Tensors: numbers and arrays become constants in the dtype of the floating
    tensor among them (``x * 1.1`` stays float32), on its device."""
    like = None
    for value in inputs:
        if isinstance(value, Tensor) and (like is None or (like._data.dtype.kind != "f"
                                                           and value._data.dtype.kind == "f")):
            like = value
    if like is None:
        raise GraphError(f"{op.label()}: expected at least one Tensor among the inputs")
    if len(inputs) > 1:
        _check_devices(op, inputs)
    if all(isinstance(value, Tensor) for value in inputs):
        return inputs
    return tuple(value if isinstance(value, Tensor) else constant(value, like, op) for value in inputs)


def constant(value, like: Tensor, op: Function | None = None) -> Tensor:
    """``value`` (a number, list or array) as a Tensor without gradient, in ``like``'s dtype when
    ``like`` is floating, on ``like``'s device."""
    data = like._data
    xp = get_array_module(data)
    dtype = data.dtype if data.dtype.kind == "f" else None
    if is_number(value) or isinstance(value, (list, tuple)):
        return Tensor._wrap(xp.asarray(value, dtype=dtype))
    if hasattr(value, "dtype") and hasattr(value, "shape"):
        if device_of(value) != device_of(data):
            where = op.label() if op is not None else "Tensor"
            raise DeviceError(f"{where}: an array on {device_of(value)} and a tensor on {device_of(data)}; "
                              f"move one with scratchdl.backend.to_device")
        if dtype is not None and value.dtype != dtype:
            value = value.astype(dtype)
        return Tensor._wrap(value)
    where = op.label() if op is not None else "Tensor"
    raise GraphError(f"{where}: cannot use a {type(value).__name__} as an operand; expected a Tensor, "
                     f"an array or a number")


def _check_devices(op: Function, inputs) -> None:
    """A DeviceError naming ``op`` when its tensors live on more than one device."""
    if all(type(v._data) is np.ndarray for v in inputs if isinstance(v, Tensor)):
        return
    found = sorted({device_of(v._data) for v in inputs if isinstance(v, Tensor)})
    if len(found) > 1:
        raise DeviceError(f"{op.label()}: its tensors are on {' and '.join(found)}; put them on one "
                          f"device (Tensor(scratchdl.backend.to_device(t.data, 'cuda')))")

