r"""The Tensor: an array that remembers how it was computed, so that its gradient can be asked for.

A ``Tensor`` holds ``data`` (a NumPy or CuPy array, never copied on the way in) and, when it was
computed from tensors that require a gradient, ``grad_fn``: the ``Function`` that made it. Those
functions are the nodes of the computational graph, built as the program runs ("define-by-run",
as in PyTorch and Chainer). ``y.backward()`` walks that graph from ``y`` back to the leaves and
leaves :math:`\partial y/\partial v` in ``v.grad`` for every leaf ``v`` with ``requires_grad``.

Constants take the tensor's dtype: ``x * 1.1`` of a float32 ``x`` stays float32 (a Python number,
or a NumPy array given as an operand, is converted to ``x``'s dtype; NumPy 2 would otherwise turn
a float32 array times a float64 array into float64). Two floating tensors of different dtypes in
one operation are refused with a ``DTypeError``: cast one with ``astype``.

The graph holds each node's inputs through their producing functions (and the leaves themselves),
and each node's outputs only weakly: dropping the last tensor of a graph frees the whole graph.
Nothing is kept for backward but what each operation saved (``save_for_backward``), and
``backward`` frees that too unless ``retain_graph=True``.

Every tensor has a version counter, raised by an in-place change (``t[...] = v``, assigning
``t.data``, ``t.changed_in_place()``, an optimizer's step). A saved tensor whose version moved
before ``backward`` is an error that names it, not a silently wrong gradient.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..backend import device_of, get_array_module, get_default_dtype, to_numpy
from ..errors import DTypeError, GraphError
from . import mode


class _Version:
    """How many times a tensor's array was changed in place (shared with its views)."""

    __slots__ = ("value",)

    def __init__(self):
        self.value = 0


def as_array(data, dtype=None):
    """``data`` as an array: a Tensor's array, an array itself (not copied), or a new NumPy array
    from Python numbers and lists (floating ones in the default dtype, float32 unless changed)."""
    if isinstance(data, Tensor):
        data = data._data
    if isinstance(data, np.ndarray) or (hasattr(data, "shape") and hasattr(data, "dtype")
                                        and not isinstance(data, np.generic)):
        array = data
    else:
        array = np.asarray(data)
        if dtype is None and array.dtype.kind == "f" and not isinstance(data, np.generic):
            array = array.astype(get_default_dtype())
    if dtype is not None and array.dtype != np.dtype(dtype):
        array = array.astype(dtype)
    if array.dtype.kind not in "biuf":
        raise DTypeError(f"Tensor: expected numbers (bool, integer or floating), got dtype {array.dtype}")
    return array


class Tensor:
    """An array with a gradient: the values a computational graph is made of.

    ``Tensor(data, requires_grad=False, dtype=None, name=None)``. ``data`` is used as it is (a
    NumPy or CuPy array is not copied); Python numbers and lists become float32 (the default
    dtype) when they are floating. ``requires_grad=True`` makes it a leaf whose gradient
    ``backward`` leaves in ``grad`` (a Tensor); only floating tensors can have one. ``name`` labels
    it in drawings of the graph.
    """

    __slots__ = ("_data", "grad", "_requires_grad", "grad_fn", "_index", "_version", "name",
                 "_retains_grad", "__weakref__")
    __array_ufunc__ = None          # ``array * tensor`` calls Tensor.__rmul__, not NumPy's loop

    def __init__(self, data, requires_grad: bool = False, dtype=None, name: str | None = None):
        self._data = as_array(data, dtype)
        self.grad = None
        self.grad_fn = None
        self._index = 0
        self._version = _Version()
        self.name = name
        self._retains_grad = False
        self._requires_grad = False
        if requires_grad:
            self.requires_grad = True

    @classmethod
    def _wrap(cls, data, requires_grad=False, grad_fn=None, index=0, version=None):
        """A tensor around an array an operation made (no checks, no copy)."""
        t = object.__new__(cls)
        t._data, t.grad, t._requires_grad, t.grad_fn, t._index = data, None, requires_grad, grad_fn, index
        t._version = _Version() if version is None else version
        t.name, t._retains_grad = None, False
        return t

    # ---- the array -------------------------------------------------------------------------
    @property
    def data(self):
        """The array. Assigning it (``t.data = a``, ``t.data -= lr * g``) counts as an in-place change."""
        return self._data

    @data.setter
    def data(self, value) -> None:
        self._data = as_array(value)
        self._version.value += 1

    def changed_in_place(self) -> Tensor:
        """Say that ``data`` was changed in place by code outside the graph (``t.data[...] = ...``):
        a graph that saved this tensor refuses to run backward with the changed values."""
        self._version.value += 1
        return self

    @property
    def version(self) -> int:
        """How many in-place changes this tensor's array has seen."""
        return self._version.value

    @property
    def shape(self) -> tuple:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def size(self) -> int:
        return int(self._data.size)

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def device(self) -> str:
        return device_of(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def numpy(self) -> np.ndarray:
        """The values as a NumPy array (the array itself on the CPU, a copy from a GPU)."""
        return to_numpy(self._data)

    def __array__(self, dtype=None, copy=None):
        """``np.asarray(t)`` (and matplotlib's ``plot(t)``): the values, without the graph."""
        array = to_numpy(self._data)
        if dtype is not None and array.dtype != dtype:
            return array.astype(dtype)
        return array.copy() if copy else array

    def item(self):
        """The value of a one-element tensor as a Python number."""
        return self._data.item()

    def __float__(self) -> float:
        return float(self._data)

    def __int__(self) -> int:
        return int(self._data)

    # ---- the graph ---------------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        """Whether a gradient flows to this tensor (set on leaves; results inherit it)."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if value and self._data.dtype.kind != "f":
            raise DTypeError(
                f"Tensor: requires_grad needs a floating tensor, got dtype {self._data.dtype} (shape "
                f"{self.shape}); a gradient is a rate of change, which integers do not have: build it "
                f"with dtype=np.float32 or np.float64")
        if self.grad_fn is not None:
            raise GraphError("Tensor: requires_grad can be set only on a leaf (a tensor no operation "
                             "made); use .detach() to start a new leaf from this one")
        self._requires_grad = bool(value)

    def requires_grad_(self, value: bool = True) -> Tensor:
        """Set ``requires_grad`` and return the tensor (PyTorch's spelling)."""
        self.requires_grad = value
        return self

    @property
    def is_leaf(self) -> bool:
        """True for a tensor no recorded operation made (an input or a parameter)."""
        return self.grad_fn is None

    @property
    def generation(self) -> int:
        """Its depth in the graph: 0 for a leaf, one more than the function that made it."""
        return 0 if self.grad_fn is None else self.grad_fn.generation + 1

    def retain_grad(self) -> Tensor:
        """Keep this intermediate tensor's gradient in ``grad`` after ``backward`` (leaves keep theirs)."""
        if self.grad_fn is not None:
            self._retains_grad = True
        return self

    def zero_grad(self) -> None:
        """Forget the gradient (``grad = None``); the next backward starts from zero."""
        self.grad = None

    def detach(self) -> Tensor:
        """A new leaf on the same array (same version counter), outside the graph."""
        t = Tensor._wrap(self._data, version=self._version)
        t.name = self.name
        return t

    def backward(self, grad=None, retain_graph: bool | None = None, create_graph: bool = False) -> None:
        r"""Compute the gradient of this tensor with respect to every leaf that requires one.

        ``grad`` is :math:`\partial L/\partial \mathrm{self}` for some ``L``; it may be left out only
        for a one-element tensor (then 1). Gradients add into the leaves' ``grad``. The graph is
        freed afterwards unless ``retain_graph`` (default: ``create_graph``). With
        ``create_graph=True`` the backward pass is itself recorded, so ``x.grad`` can be
        differentiated again (second and higher derivatives).
        """
        from .engine import backward

        backward([self], None if grad is None else [grad], retain_graph, create_graph)

    def __repr__(self) -> str:
        body = np.array2string(to_numpy(self._data), separator=", ", prefix="Tensor(", threshold=20)
        extra = ""
        if self._data.dtype not in (np.float32, np.int64, np.bool_):
            extra += f", dtype={self._data.dtype}"
        if self.grad_fn is not None:
            extra += f", grad_fn=<{type(self.grad_fn).__name__}>"
        elif self._requires_grad:
            extra += ", requires_grad=True"
        if self.name:
            extra += f", name={self.name!r}"
        return f"Tensor({body}{extra})"

    # ---- in-place assignment -------------------------------------------------------------------
    def __setitem__(self, index, value) -> None:
        if self._requires_grad and mode.is_grad_enabled():
            raise GraphError(
                f"Tensor{self.shape}: assigning into a tensor that requires grad would not be recorded; "
                f"do it under autograd.no_grad() (setting parameters by hand), or build a new tensor "
                f"(F.where, F.concatenate)")
        self._data[_index_arrays(index)] = value._data if isinstance(value, Tensor) else value
        self._version.value += 1

    # ---- operators (the ops live in ops/; bound below) -------------------------------------------
    def __add__(self, other):
        return arithmetic.add(self, other)

    def __radd__(self, other):
        return arithmetic.add(other, self)

    def __sub__(self, other):
        return arithmetic.sub(self, other)

    def __rsub__(self, other):
        return arithmetic.sub(other, self)

    def __mul__(self, other):
        return arithmetic.mul(self, other)

    def __rmul__(self, other):
        return arithmetic.mul(other, self)

    def __truediv__(self, other):
        return arithmetic.div(self, other)

    def __rtruediv__(self, other):
        return arithmetic.div(other, self)

    def __pow__(self, other):
        return arithmetic.power(self, other)

    def __rpow__(self, other):
        return arithmetic.power(other, self)

    def __neg__(self):
        return arithmetic.neg(self)

    def __pos__(self):
        return self

    def __matmul__(self, other):
        return matmul.matmul(self, other)

    def __rmatmul__(self, other):
        return matmul.matmul(other, self)

    def __getitem__(self, index):
        return shape_ops.getitem(self, index)

    # comparisons give constant boolean tensors (no gradient); == stays identity, so tensors hash
    def __gt__(self, other):
        return _compare(np.greater, self, other)

    def __ge__(self, other):
        return _compare(np.greater_equal, self, other)

    def __lt__(self, other):
        return _compare(np.less, self, other)

    def __le__(self, other):
        return _compare(np.less_equal, self, other)

    __hash__ = object.__hash__

    # ---- methods -----------------------------------------------------------------------------
    def sum(self, axis=None, keepdims: bool = False):
        return reduce.sum(self, axis, keepdims)

    def mean(self, axis=None, keepdims: bool = False):
        return reduce.mean(self, axis, keepdims)

    def max(self, axis=None, keepdims: bool = False):
        return reduce.max(self, axis, keepdims)

    def reshape(self, *shape):
        return shape_ops.reshape(self, shape[0] if len(shape) == 1 and not isinstance(shape[0], int)
                                 else shape)

    def transpose(self, *axes):
        return shape_ops.transpose(self, axes[0] if len(axes) == 1 and not isinstance(axes[0], int)
                                   else (axes or None))

    @property
    def T(self):  # noqa: N802  (NumPy's and PyTorch's name)
        return shape_ops.transpose(self, None)

    def exp(self):
        return elementwise.exp(self)

    def log(self):
        return elementwise.log(self)

    def tanh(self):
        return elementwise.tanh(self)

    def sigmoid(self):
        return elementwise.sigmoid(self)

    def relu(self):
        return elementwise.relu(self)

    def astype(self, dtype):
        return shape_ops.astype(self, dtype)


def _index_arrays(index):
    """An index with any Tensor in it replaced by its array."""
    if isinstance(index, Tensor):
        return index._data
    if isinstance(index, tuple):
        return tuple(i._data if isinstance(i, Tensor) else i for i in index)
    return index


def _compare(ufunc, a, b):
    xp = get_array_module(a._data)
    other = b._data if isinstance(b, Tensor) else b
    if xp is not np:
        ufunc = getattr(xp, ufunc.__name__)
    return Tensor._wrap(ufunc(a._data, other))


def is_number(value) -> bool:
    """A Python or NumPy scalar (bool included)."""
    return isinstance(value, (numbers.Number, np.generic))


from .ops import arithmetic, elementwise, matmul, reduce  # noqa: E402  (the ops need Tensor first)
from .ops import shape as shape_ops  # noqa: E402
