"""Argument checks in the course's terms: each error names the book's call, what it expected and
what it got, and the other spelling that was probably meant, before NumPy can raise a bare
``TypeError`` from inside."""

from __future__ import annotations

import numpy as np

from ..errors import ArgumentError, ShapeError
from ..nn.module import Module, Parameter


def describe(value) -> str:
    """A short description of ``value``: ``an array of shape (3, 4)``, ``the number 784``, ..."""
    if _is_nn(value):
        return f"the scratchdl.nn object {type(value).__name__} ({_nn_text(value)})"
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int | float | np.integer | np.floating):
        return f"the number {value!r}"
    shape = getattr(value, "shape", None)
    if shape is not None:
        return f"an array of shape {tuple(shape)}"
    return f"a {type(value).__name__}"


def _is_nn(value) -> bool:
    return isinstance(value, Module | Parameter)


def _nn_text(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def is_array(value) -> bool:
    """Whether ``value`` is a NumPy (or CuPy) array, not a number, a list or a scratchdl.nn object."""
    return hasattr(value, "shape") and hasattr(value, "dtype") and not _is_nn(value)


def check_array(value, call: str, name: str, ndim: int | None = None, hint: str = "") -> None:
    """Raise an ``ArgumentError`` unless ``value`` is an array (of ``ndim`` dimensions, a
    ``ShapeError`` otherwise); the message names the book's ``call`` and the argument ``name``."""
    if not is_array(value):
        where = f"{call}: {name} must be an array"
        advice = f"; {hint}" if hint else ""
        if _is_nn(value):
            advice = (f"; a scratchdl.nn layer keeps its own arrays: pass them, e.g. "
                      f"layer.weight.data and layer.bias.data{advice}")
        raise ArgumentError(f"{where}, got {describe(value)}{advice}")
    if ndim is not None and value.ndim != ndim:
        raise ShapeError(f"{call}: {name} must be a {ndim}-D array, got shape {tuple(value.shape)}")


def check_int(value, call: str, name: str, minimum: int) -> int:
    """``value`` as an int >= ``minimum``, else an ``ArgumentError`` naming the book's ``call``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ArgumentError(f"{call}: {name} must be an int >= {minimum}, got {describe(value)}")
    return int(value)


def _is_labels(a) -> bool:
    return a.dtype.kind in "iub"


def _is_one_hot(a) -> bool:
    if a.ndim == 0 or a.size == 0:
        return False
    return bool(((a == 0) | (a == 1)).all()) and bool((a.sum(axis=-1) == 1).all())


def check_cross_entropy_order(y, t) -> None:
    """An ``ArgumentError`` when ``cross_entropy_error(y, t)`` was plainly given the target first:
    integer labels as ``y``, or one-hot rows as ``y`` with probabilities (not one-hot) as ``t``."""
    for name, value in (("y", y), ("t", t)):
        if not is_array(value):
            raise ArgumentError(f"cross_entropy_error(y, t): {name} must be an array, got {describe(value)}")
    swapped = _is_labels(y) and not _is_labels(t)
    swapped = swapped or (not _is_labels(t) and t.shape == y.shape and _is_one_hot(y) and not _is_one_hot(t))
    if swapped:
        raise ArgumentError(
            "cross_entropy_error(y, t) takes the network's output y first and the target t second "
            f"(the book's order); got {'integer labels' if _is_labels(y) else 'one-hot rows'} of shape "
            f"{tuple(y.shape)} first. The course's order, cross_entropy_error(d, y), is scratchdl.functions "
            "(install(functions='course'))"
        )
    if (t.size != y.size and not _is_labels(t)) or (y.ndim > 1 and t.size == y.size and t.shape != y.shape):
        raise ShapeError(f"cross_entropy_error(y, t): t must be integer labels (one per row of y) or "
                         f"one-hot rows of y's shape {tuple(y.shape)}, got {t.dtype} values of shape "
                         f"{tuple(t.shape)}")
