"""Whether operations are recorded into a graph, and the layer they run in: both per thread.

``no_grad()`` switches recording off for the block it guards, in this thread only (another thread
training a model keeps its graph), and puts back what was there before when the block ends, even
when it ends with an exception. ``enable_grad()`` switches it back on inside a ``no_grad`` block.
Both work as decorators too.

``scope(path, kind)`` names the layer whose operations run inside the block (``features.0``,
``Conv2d``); every operation recorded there remembers it, so a drawing of a large graph can fold
each layer's operations into one box.
"""

from __future__ import annotations

import functools
import threading


class _State(threading.local):
    """Each thread's own switch and scope (a new thread starts recording, outside any layer)."""

    enabled = True
    scope = None


_state = _State()


def is_grad_enabled() -> bool:
    """Whether operations in this thread are recorded into a graph (True unless in ``no_grad``)."""
    return _state.enabled


def current_scope():
    """The ``(path, kind, phase)`` of the layer operations now run in, or None."""
    return _state.scope


class _GradMode:
    """A context manager (and decorator) that sets recording to ``enabled`` for its block."""

    enabled = True

    def __enter__(self):
        self._previous = is_grad_enabled()
        _state.enabled = self.enabled
        return self

    def __exit__(self, *exc):
        _state.enabled = self._previous
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with type(self)():
                return function(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):  # noqa: N801  (PyTorch's name)
    """A block (or function) in which no operation is recorded, in this thread only.

    Inside it, results have no ``grad_fn`` and keep nothing for backward: the way to evaluate a
    model, or to change parameters by hand, without building a graph.
    """

    enabled = False


class enable_grad(_GradMode):  # noqa: N801  (PyTorch's name)
    """A block (or function) in which operations are recorded again, inside a no_grad block."""

    enabled = True


class set_grad_enabled(_GradMode):  # noqa: N801  (PyTorch's name)
    """A block in which operations are recorded or not, as its argument says."""

    def __init__(self, mode: bool):
        self.enabled = bool(mode)

    def __call__(self, function):
        mode = self.enabled

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return function(*args, **kwargs)

        return wrapper


class scope:  # noqa: N801  (a context manager, used like no_grad)
    """A block whose recorded operations belong to one layer, named by its path and kind."""

    def __init__(self, path: str, kind: str = "", phase: str = "forward"):
        self.value = (path, kind, phase)

    def __enter__(self):
        self._previous = current_scope()
        _state.scope = self.value
        return self

    def __exit__(self, *exc):
        _state.scope = self._previous
        return False
