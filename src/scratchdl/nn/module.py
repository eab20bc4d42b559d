"""Parameter and Module: the tree every network is built from (containers: ``containers.py``).

Contract: ``forward(x)`` returns the output and keeps what ``backward`` needs;
``backward(dout)`` returns dL/dx and *adds* dL/dW into each ``Parameter.grad``. A layer whose
``input_grad`` is False (see ``Module.requires_input_grad``) may return None instead of dL/dx;
Sequential then stops there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from ..backend import get_array_module, to_device
from ..errors import ModuleTypeError, ShapeError, StateError

# Functions called as hook(module, inputs, output) after every Module call; used by summary().
_call_hooks: list[Callable] = []

# The book's ("Deep Learning from Scratch") names for a layer's arrays: read aliases of PyTorch's.
BOOK_ALIASES = {"W": ("weight", "data"), "b": ("bias", "data"), "dW": ("weight", "grad"),
                "db": ("bias", "grad")}


class Parameter:
    """A trainable array and the gradient accumulated into it.

    ``data`` is the array, ``grad`` the gradient (same shape and dtype), which ``backward`` adds to.

    ``zero_grad()`` only marks the gradient as zero; the array is cleared when it is next read
    (``grad``). A layer whose gradient term is a matrix product asks ``grad_target()`` instead and,
    right after ``zero_grad()``, writes the product straight into the array rather than adding it:
    one pass over the gradient where clearing and adding would take three.
    """

    def __init__(self, data):
        self.data = data
        self.grad = get_array_module(data).zeros_like(data)

    @property
    def grad(self):
        if self._grad_stale:
            self._grad[...] = 0
            self._grad_stale = False
        return self._grad

    @grad.setter
    def grad(self, array) -> None:
        self._grad, self._grad_stale = array, False

    def grad_target(self) -> tuple:
        """``(array, add)``: the gradient array, and whether a new term must be added to it (False
        right after ``zero_grad()``: the term is written over it). Either way it then holds the sum."""
        add = not self._grad_stale
        self._grad_stale = False
        return self._grad, add

    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    def zero_grad(self) -> None:
        self._grad_stale = True

    def __repr__(self) -> str:
        return f"Parameter(shape={self.data.shape}, dtype={self.data.dtype})"


class Module:
    """The base class of every layer and model: a tree of named parameters and child layers.

    Assigning a ``Parameter`` or a ``Module`` to an attribute registers it under that name,
    so ``named_parameters()`` yields ``features.0.weight``-style paths as PyTorch does.
    A list, tuple or dict of layers is refused (PyTorch would silently not register them, so the
    optimizer would never see their parameters): use ``nn.Sequential(*layers)`` or
    ``nn.ModuleList(layers)``. Non-trainable state that belongs in a checkpoint (running
    statistics) is declared with ``register_buffer``.

    For readers of "Deep Learning from Scratch", a layer with a ``weight`` and ``bias`` also
    answers to the book's names: ``W`` and ``b`` are ``weight.data`` and ``bias.data``, ``dW``
    and ``db`` are ``weight.grad`` and ``bias.grad`` (the same arrays, so ``layer.W -= lr *
    layer.dW`` updates the layer).
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
        if name == "_cache":     # what forward keeps for backward, set at every call: no checks
            object.__setattr__(self, name, value)
            return
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
            if type(value) in (list, tuple, dict):
                _refuse_unregistered_layers(self, name, value)
            if name in BOOK_ALIASES and BOOK_ALIASES[name][0] in self._parameters:
                self._set_alias(name, value)
                return
            self._parameters.pop(name, None)
            self._modules.pop(name, None)
        object.__setattr__(self, name, value)

    def __getattr__(self, name):
        # Called only when normal lookup fails: the book's W, b, dW, db.
        alias = BOOK_ALIASES.get(name)
        if alias is not None:
            param = self.__dict__.get("_parameters", {}).get(alias[0])
            if param is not None:
                return getattr(param, alias[1])
            raise AttributeError(f"{type(self).__name__} has no {alias[0]}, so no {name} "
                                 f"(the book's name for {alias[0]}.{alias[1]})")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _set_alias(self, name: str, value) -> None:
        """``layer.W -= lr * layer.dW`` changes the array in place, then assigns it back: allowed.
        Assigning another array would silently detach ``W`` from ``weight``: refused."""
        key, field_name = BOOK_ALIASES[name]
        if value is not getattr(self._parameters[key], field_name):
            raise AttributeError(
                f"{self.name()}: {name} is the book's name for {key}.{field_name}, read-only; "
                f"change the array in place ({name} -= ..., {name}[...] = ...) or assign "
                f"{key}.{field_name}"
            )

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

    def summary(self, input_shape, verbose: bool | None = None):
        """Print and return the table of layers, output shapes, parameters and multiply-adds.

        ``input_shape`` is one sample's shape, without the batch axis. As torchinfo's ``summary``,
        it prints the table and returns it (a ``Summary``, whose ``repr`` is the table and whose
        ``total_params`` and ``rows`` a program can read); ``verbose=False`` only returns it, and in
        a Jupyter notebook it shows itself as an HTML table instead of printing.
        """
        from .summary import summary

        return summary(self, input_shape, verbose=verbose)

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


def _refuse_unregistered_layers(module: Module, name: str, value) -> None:
    """A list, tuple or dict holding layers, assigned to an attribute: the error PyTorch never gives
    (it keeps such a list as a plain attribute whose parameters no optimizer sees)."""
    items = list(value.values() if isinstance(value, dict) else value)
    kind, where = type(value).__name__, f"{type(module).__name__}.{name}"
    if any(isinstance(item, Module) for item in items):
        raise ModuleTypeError(
            f"{where}: a {kind} of layers would not be registered (their parameters would be "
            f"invisible to parameters(), the optimizer and state_dict); write "
            f"self.{name} = nn.Sequential(*layers) to run them in order, or "
            f"self.{name} = nn.ModuleList(layers) to call them yourself"
        )
    if any(isinstance(item, Parameter) for item in items):
        raise ModuleTypeError(
            f"{where}: a {kind} of Parameters would not be registered (the optimizer and "
            f"state_dict would never see them); assign each Parameter to its own attribute"
        )
