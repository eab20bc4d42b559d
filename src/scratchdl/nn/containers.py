"""Containers of layers: ``Sequential`` (layers run in order) and ``ModuleList`` (layers a Module
of one's own calls), and the check that only layers go into them."""

from __future__ import annotations

from collections.abc import Iterator

from ..errors import ModuleTypeError, StateError
from .module import Module


def check_module(where: str, value, position=None) -> Module:
    """``value`` if it is a Module instance, else a ModuleTypeError that names ``where`` (and
    ``position``), says what was given and what to write instead."""
    if isinstance(value, Module):
        return value
    at = f"argument {position}" if position is not None else "the argument"
    if isinstance(value, type):
        given = f"the class {value.__name__}"
    else:
        text = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
        given = f"{type(value).__name__} {text}"
    raise ModuleTypeError(f"{where}: {at} is {given}, not a layer; {_instead(value)}")


def _instead(value) -> str:
    """What a learner who wrote ``value`` where a layer belongs most likely meant."""
    from .activation import ACTIVATIONS

    if isinstance(value, str):
        key = value.lower()
        if key in ACTIVATIONS:
            return f"write nn.{ACTIVATIONS[key].__name__}() (or nn.activation({key!r}))"
        return "write a layer such as nn.Linear(4, 3) or nn.ReLU()"
    if isinstance(value, (list, tuple)):
        return "unpack a list of layers with *, e.g. nn.Sequential(*layers, nn.ReLU())"
    if isinstance(value, type) and issubclass(value, Module):
        prefix = "nn." if value.__module__.startswith("scratchdl.nn") else ""
        return f"write {prefix}{value.__name__}(...) with parentheses: a layer is an instance of the class"
    if callable(value):
        return "a function is not a layer; write the layer, e.g. nn.ReLU() for a ReLU"
    return "write a layer such as nn.Linear(4, 3) or nn.ReLU()"


class _LayerList(Module):
    """A Module whose children are numbered layers: indexing, ``len`` and iteration over them."""

    def __getitem__(self, index: int) -> Module:
        return list(self._modules.values())[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())


class Sequential(_LayerList):
    """Layers applied one after another; backward runs them in reverse.

    Children are named ``0``, ``1``, ... The layers are separate arguments, as in PyTorch:
    ``nn.Sequential(nn.Linear(4, 3), nn.ReLU())``, or ``nn.Sequential(*layers)`` for a list.
    Anything that is not a layer is a ``ModuleTypeError`` (a ``TypeError``).
    """

    def __init__(self, *layers: Module):
        super().__init__()
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            raise ModuleTypeError(
                f"nn.Sequential takes the layers as separate arguments, got one "
                f"{type(layers[0]).__name__} of {len(layers[0])}; write nn.Sequential(*layers), "
                f"not nn.Sequential(layers)"
            )
        for index, layer in enumerate(layers):
            setattr(self, str(index), check_module("nn.Sequential", layer, index))

    def forward(self, x):
        for layer in self._modules.values():
            x = layer(x)
        return x

    def backward(self, dout):
        for layer in reversed(self._modules.values()):
            dout = layer.backward(dout)
            if dout is None:               # a first layer that skipped dL/dx (``requires_input_grad``)
                break
        return dout


class ModuleList(_LayerList):
    """A list of registered layers that your own forward calls.

    The layers are registered (``0``, ``1``, ...) but not run. As in PyTorch,
    ``self.blocks = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])`` puts their parameters
    into ``parameters()`` and ``state_dict()``; ``forward`` and ``backward`` are the enclosing
    module's to write.
    """

    def __init__(self, layers=()):
        super().__init__()
        if isinstance(layers, Module):
            raise ModuleTypeError("nn.ModuleList takes a list of layers, got a single "
                                  f"{type(layers).__name__}; write nn.ModuleList([layer])")
        self.extend(layers)

    def append(self, layer: Module) -> ModuleList:
        setattr(self, str(len(self._modules)), check_module("nn.ModuleList", layer, len(self._modules)))
        return self

    def extend(self, layers) -> ModuleList:
        for layer in layers:
            self.append(layer)
        return self

    def forward(self, *inputs):
        raise StateError("nn.ModuleList has no forward: call its layers in your own forward, "
                         "or use nn.Sequential to run them in order")
