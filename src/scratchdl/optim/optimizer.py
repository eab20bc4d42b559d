"""The Optimizer base: parameters in, per-parameter state kept in named arrays."""

from __future__ import annotations

from collections.abc import Mapping

from ..backend import get_array_module, to_device
from ..errors import ConfigError, ShapeError, StateError
from ..nn.module import Parameter


class _Array:
    """An array of the book's ``params`` dict seen as a Parameter: ``p.data -= ...`` changes it in place."""

    __slots__ = ("data",)

    def __init__(self, data):
        self.data = data


class Optimizer:
    """The base of every optimizer: it updates parameters in place from their gradients.

    Two spellings. scratchdl's (PyTorch's): ``opt = SGD(model.parameters(), lr=0.1)``, then
    ``opt.zero_grad()``, backward, ``opt.step()``, which updates every ``Parameter`` from its
    ``.grad``. The book's ("Deep Learning from Scratch"): ``opt = SGD(lr=0.1)`` without
    parameters, then ``opt.update(params, grads)`` with two dicts name -> array, which updates the
    arrays of ``params`` in place, keeping each name's moments between calls.

    Per-parameter state (moments) lives in ``self.state[i][name]``; ``state_dict()`` returns
    the hyperparameters, the step count and those arrays, and ``load_state_dict`` restores
    them exactly, so a resumed run continues bit for bit. Subclasses write the rule for one
    parameter in ``update_parameter(p, g, state)``.
    """

    hyperparameters: tuple[str, ...] = ("lr",)

    def __init__(self, params=None, lr: float = 0.01):
        if isinstance(params, (int, float)) and not isinstance(params, bool):
            raise ConfigError(
                f"{type(self).__name__}: the first argument is the parameters, got the number "
                f"{params!r}; write {type(self).__name__}(model.parameters(), lr={params!r}), or "
                f"{type(self).__name__}(lr={params!r}) for the book's update(params, grads)"
            )
        self.params: list[Parameter] = [] if params is None else list(params)
        if params is not None and not self.params:
            raise ConfigError(f"{type(self).__name__}: got an empty parameter list")
        for p in self.params:
            if not isinstance(p, Parameter) and not _is_trainable_tensor(p):
                raise ConfigError(
                    f"{type(self).__name__}: expected Parameters (model.parameters()), got "
                    f"{type(p).__name__}{' without requires_grad' if hasattr(p, 'requires_grad') else ''} "
                    f"(autograd Tensors are trained too when they have requires_grad=True)"
                )
        self.lr = _positive(self, "lr", lr)
        self.t = 0
        self.state: list[dict] = [{} for _ in self.params]
        self.named_state: dict[str, dict] = {}  # the book's update(params, grads), by name

    def zero_grad(self) -> None:
        for p in self.params:
            p.zero_grad()

    def step(self) -> None:
        if not self.params:
            raise StateError(
                f"{type(self).__name__}.step(): this optimizer was built without parameters (the "
                f"book's style); call update(params, grads) with the two dicts, or build it as "
                f"{type(self).__name__}(model.parameters(), lr={self.lr})"
            )
        self.t += 1
        for i, p in enumerate(self.params):
            if isinstance(p, Parameter):
                self.update_parameter(p, p.grad, self.state[i])
            elif p.grad is not None:       # an autograd Tensor: its grad is a Tensor, None until a backward
                version = p.version
                self.update_parameter(p, p.grad.data, self.state[i])
                if p.version == version:   # changed in place: graphs that saved it refuse a backward now
                    p.changed_in_place()

    def update(self, params, grads) -> None:
        """The book's call: update each array ``params[name]`` in place from ``grads[name]``.

        ``params`` and ``grads`` are dicts name -> array (``"W1"``, ``"b1"``, ...), as in "Deep
        Learning from Scratch". The moments of each name are kept between calls; the update rule
        is this class's (PyTorch's), so ``AdaGrad``'s epsilon, say, is PyTorch's.
        """
        name = type(self).__name__
        if not (isinstance(params, Mapping) and isinstance(grads, Mapping)):
            raise ConfigError(
                f"{name}.update(params, grads) is the book's call with two dicts name -> array, got "
                f"{type(params).__name__} and {type(grads).__name__}; scratchdl's spelling is "
                f"{name}(model.parameters(), lr=...) and, after backward, {name}.step()"
            )
        missing = [key for key in params if key not in grads]
        if missing:
            raise ConfigError(f"{name}.update: grads has no entry for {', '.join(map(repr, missing))}")
        self.t += 1
        for key, array in params.items():
            grad = grads[key]
            if getattr(array, "shape", None) != getattr(grad, "shape", None):
                raise ShapeError(f"{name}.update: params[{key!r}] has shape {getattr(array, 'shape', None)} "
                                 f"but grads[{key!r}] has shape {getattr(grad, 'shape', None)}")
            self.update_parameter(_Array(array), grad, self.named_state.setdefault(key, {}))

    def update_parameter(self, p: Parameter, g, state: dict) -> None:
        """Change ``p.data`` in place from gradient ``g``; ``state`` is this parameter's own."""
        raise NotImplementedError

    @staticmethod
    def buffer(state: dict, name: str, like):
        """``state[name]``, created as zeros shaped like ``like`` the first time."""
        if name not in state:
            state[name] = get_array_module(like).zeros_like(like)
        return state[name]

    def state_dict(self) -> dict:
        """``{"hyper": {...}, "t": step, "state": {"<param index>.<name>": array}}``."""
        return {
            "hyper": {k: getattr(self, k) for k in self.hyperparameters},
            "t": self.t,
            "state": {f"{i}.{k}": v for i, s in enumerate(self.state) for k, v in s.items()},
        }

    def load_state_dict(self, state: dict) -> None:
        for key, value in state["hyper"].items():
            setattr(self, key, tuple(value) if isinstance(value, list) else value)
        self.t = int(state["t"])
        self.state = [{} for _ in self.params]
        for key, array in state["state"].items():
            index, name = key.split(".", 1)
            index = int(index)
            if index >= len(self.params):
                raise StateError(
                    f"{type(self).__name__}.load_state_dict: state for parameter {index}, "
                    f"but the optimizer has {len(self.params)}"
                )
            xp = get_array_module(self.params[index].data)
            self.state[index][name] = xp.array(array, dtype=self.params[index].data.dtype)

    def to(self, device: str) -> Optimizer:
        """Move the per-parameter state (moments) to ``device``, as ``model.to(device=...)`` moves
        the parameters; arrays already there are kept, not copied."""
        self.state = [{k: to_device(v, device) for k, v in s.items()} for s in self.state]
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={getattr(self, k)}" for k in self.hyperparameters)
        return f"{type(self).__name__}({args})"


def _is_trainable_tensor(p) -> bool:
    """An autograd Tensor that requires grad (it reads ``.data`` and ``.grad`` as a Parameter does)."""
    from ..autograd.tensor import Tensor

    return isinstance(p, Tensor) and p.requires_grad


def _positive(opt, name: str, value) -> float:
    value = float(value)
    if not value > 0:
        raise ConfigError(f"{type(opt).__name__}: {name} must be > 0, got {value}")
    return value


def _non_negative(opt, name: str, value) -> float:
    value = float(value)
    if not value >= 0:
        raise ConfigError(f"{type(opt).__name__}: {name} must be >= 0, got {value}")
    return value
