"""Calls whose arguments do not fit: an ``ArgumentError`` that shows the signature and says which
other spelling was probably meant, in place of Python's bare ``TypeError``.

``@explain_call(hint)`` on a function or method re-raises a binding failure (too many positional
arguments, an unknown keyword, a missing argument) as::

    ArgumentError: Dropout.forward(x): too many positional arguments; <hint>

The function itself runs unchanged and at full speed: the signature is only checked after a
``TypeError``, and a ``TypeError`` raised inside the body (the arguments did bind) passes through.
"""

from __future__ import annotations

import functools
import inspect

from .errors import ArgumentError


def signature_text(func, drop_self: bool) -> str:
    """``(x, train_flg=True)``: the parameters without annotations (and without ``self``)."""
    params = list(inspect.signature(func).parameters.values())
    if drop_self:
        params = params[1:]
    plain = [p.replace(annotation=inspect.Parameter.empty) for p in params]
    return str(inspect.Signature(plain))


def call_name(func, args) -> str:
    """``Linear`` for an ``__init__``, ``Dropout.forward`` for a method, ``load_mnist`` otherwise;
    a method is named after the class of the object it was called on."""
    owner, _, method = func.__qualname__.rpartition(".")
    if not owner or "<locals>" in owner:
        return func.__name__
    cls = type(args[0]).__name__ if args else owner
    return cls if method == "__init__" else f"{cls}.{method}"


def explain_call(hint: str = ""):
    """Decorator: a call whose arguments do not bind raises ``ArgumentError`` naming the signature,
    followed by ``hint`` (the spelling that was probably meant)."""

    def wrap(func):
        signature = inspect.signature(func)
        is_method = "." in func.__qualname__ and next(iter(signature.parameters), "") == "self"

        @functools.wraps(func)
        def checked(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except TypeError:
                try:
                    signature.bind(*args, **kwargs)
                except TypeError as bad:
                    name = call_name(func, args) if is_method else func.__name__
                    message = f"{name}{signature_text(func, is_method)}: {bad}"
                    raise ArgumentError(message + (f"; {hint}" if hint else "")) from None
                raise

        return checked

    return wrap
