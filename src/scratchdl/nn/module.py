"""Parameter, Module and Sequential: the tree every network is built from.

Contract: ``forward(x)`` returns the output and keeps what ``backward`` needs;
``backward(dout)`` returns dL/dx and *adds* dL/dW into each ``Parameter.grad``. A layer whose
``input_grad`` is False (see ``Module.requires_input_grad``) may return None instead of dL/dx;
Sequential then stops there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from ..backend import get_array_module, to_device
from ..errors import ShapeError, StateError

# Functions called as hook(module, inputs, output) after every Module call; used by summary().
_call_hooks: list[Callable] = []


class Parameter:
    """A trainable array ``data`` and the gradient ``grad`` accumulated into it (same shape, dtype)."""

    def __init__(self, data):
        self.data = data
        self.grad = get_array_module(data).zeros_like(data)

    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    def zero_grad(self) -> None:
        self.grad[...] = 0

    def __repr__(self) -> str:
        return f"Parameter(shape={self.data.shape}, dtype={self.data.dtype})"


class Module:
    """Base class of layers and models.

    Assigning a ``Parameter`` or a ``Module`` to an attribute registers it under that name,
    so ``named_parameters()`` yields ``features.0.weight``-style paths as PyTorch does.
    Non-trainable state that belongs in a checkpoint (running statistics) is declared with
    ``register_buffer``.
    """

    training: bool = True
    input_grad: bool = True   # False: backward may skip dL/dx and return None
    passes_none: bool = False  # True: backward(None) returns None (layers before a skipping one)

    def __init__(self):
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_buffers", [])
        self.training = True
        self._cache = None

    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise StateError(f"{type(self).__name__}: call super().__init__() before setting {name}")
        # Replacing a child keeps its place in the dict (and so in Sequential's order).
        if isinstance(value, Parameter):
            self._modules.pop(name, None)
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._parameters.pop(name, None)
            self._modules[name] = value
        else:
            self._parameters.pop(name, None)
            self._modules.pop(name, None)
        object.__setattr__(self, name, value)

    def register_buffer(self, name: str, value) -> None:
        """Keep ``value`` as state that ``state_dict`` saves but optimizers never touch."""
        if name not in self._buffers:
            self._buffers.append(name)
        object.__setattr__(self, name, value)

    # ---- calling -------------------------------------------------------------------------
    def __call__(self, *inputs):
        output = self.forward(*inputs)
        for hook in _call_hooks:
            hook(self, inputs, output)
        return output

    def forward(self, *inputs):
        raise NotImplementedError

    def backward(self, dout):
        raise NotImplementedError

    def saved(self):
        """What ``forward`` kept for ``backward``; a clear error when forward has not run."""
        if self._cache is None:
            raise StateError(f"{self.name()}: backward() called before forward()")
        return self._cache

    def name(self) -> str:
        """How errors and summaries refer to this module, e.g. ``Linear(3, 5)``."""
        return f"{type(self).__name__}({self.extra_repr()})"

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        if not self._modules:
            return self.name()
        lines = [f"{type(self).__name__}("]
        for key, child in self._modules.items():
            lines.append("  " + f"({key}): {child!r}".replace("\n", "\n  "))
        return "\n".join(lines + [")"])

    # ---- the tree ------------------------------------------------------------------------
    def children(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        yield prefix, self
        for key, child in self._modules.items():
            yield from child.named_modules(f"{prefix}.{key}" if prefix else key)

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        for path, module in self.named_modules():
            for key, param in module._parameters.items():
                yield (f"{path}.{key}" if path else key), param

    def parameters(self) -> Iterator[Parameter]:
        for _, param in self.named_parameters():
            yield param

    def named_buffers(self) -> Iterator[tuple[str, object]]:
        for path, module in self.named_modules():
            for key in module._buffers:
                yield (f"{path}.{key}" if path else key), getattr(module, key)

    def num_parameters(self) -> int:
        return sum(int(p.data.size) for p in self.parameters())

    def summary(self, input_shape):
        """Table of layers, output shapes, parameter counts and multiply-adds per sample."""
        from .summary import summary

        return summary(self, input_shape)

    def zero_grad(self) -> None:
        for param in self.parameters():
            param.zero_grad()

    def requires_input_grad(self, needed: bool = True) -> Module:
        """Whether ``backward`` must return dL/dx for the network's input.

        A training loop does not need the gradient with respect to its data, and PyTorch does not
        compute it (data does not require grad): ``requires_input_grad(False)`` lets the first layer
        with parameters skip the product only dL/dx needs (``dout @ W.T`` of a Linear, the transposed
        convolution of a Conv2d), and ``backward`` then returns None. "First" is in registration
        order, the forward order in Sequential and the zoo's models. Only layers that pass None on
        (``passes_none``: Flatten, Identity) may come before it; after any other layer (a Dropout,
        say, whose backward a hand-written model might call) the input gradient is kept.
        """
        leaves = [m for m in self.modules() if not m._modules]
        first = next((i for i, leaf in enumerate(leaves) if leaf._parameters), None)
        if first is not None and (needed or all(leaf.passes_none for leaf in leaves[:first])):
            leaves[first].input_grad = needed
        return self

    def train(self, mode: bool = True) -> Module:
        """Training mode: dropout drops, batch norm uses batch statistics."""
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> Module:
        """Evaluation mode: dropout is the identity, batch norm uses running statistics."""
        return self.train(False)

    # ---- state ---------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """Every parameter and buffer by its path in the tree (``layers.0.weight``), in PyTorch's
        order: each module's parameters, then its buffers, module by module."""
        state = {}
        for path, module in self.named_modules():
            prefix = f"{path}." if path else ""
            for key, param in module._parameters.items():
                state[prefix + key] = param.data
            for key in module._buffers:
                state[prefix + key] = getattr(module, key)
        return state

    def load_state_dict(self, state: dict, strict: bool = True) -> None:
        """Copy arrays from ``state`` into this module's parameters and buffers, in place."""
        own = self.state_dict()
        if strict:
            missing = sorted(set(own) - set(state))
            unexpected = sorted(set(state) - set(own))
            if missing or unexpected:
                raise ShapeError(
                    f"{type(self).__name__}.load_state_dict: missing keys {missing}, "
                    f"unexpected keys {unexpected}"
                )
        for name, target in own.items():
            if name not in state:
                continue
            source = state[name]
            if tuple(source.shape) != tuple(target.shape):
                raise ShapeError(
                    f"{type(self).__name__}.load_state_dict: {name} expected shape "
                    f"{tuple(target.shape)}, got {tuple(source.shape)}"
                )
            xp = get_array_module(target)
            target[...] = xp.asarray(source).astype(target.dtype, copy=False)

    def to(self, dtype=None, device: str | None = None) -> Module:
        """Cast floating parameters and buffers to ``dtype`` and/or move them to ``device``."""
        for module in self.modules():
            for param in module._parameters.values():
                param.data = _convert(param.data, dtype, device)
                param.grad = get_array_module(param.data).zeros_like(param.data)
            for key in module._buffers:
                object.__setattr__(module, key, _convert(getattr(module, key), dtype, device))
            module._cache = None
        return self


def _convert(array, dtype, device):
    if device is not None:
        array = to_device(array, device)
    if dtype is not None and np.issubdtype(array.dtype, np.floating):
        array = array.astype(dtype)
    return array


class Sequential(Module):
    """Layers applied in order; backward runs them in reverse. Children are named ``0``, ``1``, ..."""

    def __init__(self, *layers: Module):
        super().__init__()
        for index, layer in enumerate(layers):
            setattr(self, str(index), layer)

    def __getitem__(self, index: int) -> Module:
        return list(self._modules.values())[index]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

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
