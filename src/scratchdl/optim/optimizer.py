"""The Optimizer base: parameters in, per-parameter state kept in named arrays."""

from __future__ import annotations

from ..backend import get_array_module, to_device
from ..errors import ConfigError, StateError
from ..nn.module import Parameter


class Optimizer:
    """Updates ``params`` in place from their ``.grad`` on every ``step()``.

    Per-parameter state (moments) lives in ``self.state[i][name]``; ``state_dict()`` returns
    the hyperparameters, the step count and those arrays, and ``load_state_dict`` restores
    them exactly, so a resumed run continues bit for bit.
    """

    hyperparameters: tuple[str, ...] = ("lr",)

    def __init__(self, params, lr: float):
        self.params: list[Parameter] = list(params)
        if not self.params:
            raise ConfigError(f"{type(self).__name__}: got an empty parameter list")
        for p in self.params:
            if not isinstance(p, Parameter):
                raise ConfigError(
                    f"{type(self).__name__}: expected Parameters (model.parameters()), "
                    f"got {type(p).__name__}"
                )
        self.lr = _positive(self, "lr", lr)
        self.t = 0
        self.state: list[dict] = [{} for _ in self.params]

    def zero_grad(self) -> None:
        for p in self.params:
            p.zero_grad()

    def step(self) -> None:
        self.t += 1
        for i, p in enumerate(self.params):
            self.update(p, p.grad, self.state[i])

    def update(self, p: Parameter, g, state: dict) -> None:
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
