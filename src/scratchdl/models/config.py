"""Checks of the zoo's configuration lists (layer widths, VGG's ``cfg``): each entry a positive int,
never a layer, a string of digits or a misspelled marker, with an error that names the entry."""

from __future__ import annotations

import numbers

from ..errors import ConfigError, ModuleTypeError
from ..nn import Module


def int_list(model: str, option: str, values, markers: tuple[str, ...] = ()) -> list:
    """``values`` as a list of positive ints (an int alone is a list of one; the strings in
    ``markers``, such as VGG's ``"M"``, pass as they are), else an error naming ``option[i]``."""
    if isinstance(values, numbers.Integral) and not isinstance(values, bool):
        values = [values]
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise ConfigError(f"{model}: {option} must be a list of ints such as [100, 50], got {values!r}")
    checked = []
    for i, value in enumerate(values):
        if isinstance(value, Module) or (isinstance(value, type) and issubclass(value, Module)):
            raise ModuleTypeError(
                f"{model}: {option}[{i}] is a layer ({getattr(value, '__name__', type(value).__name__)}); "
                f"{option} lists widths (ints) and the model builds its layers; to build a network "
                f"from your own layers, use nn.Sequential(...)"
            )
        if isinstance(value, str) and value in markers:
            checked.append(value)
            continue
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            hint = ""
            if isinstance(value, str) and value.upper() in markers:
                hint = f" (did you mean {value.upper()!r}?)"
            elif markers:
                hint = f" or {' or '.join(map(repr, markers))}"
            raise ConfigError(f"{model}: {option}[{i}] must be a positive int{hint}, got {value!r}")
        checked.append(int(value))
    return checked
