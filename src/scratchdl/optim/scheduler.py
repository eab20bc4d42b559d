"""Learning-rate schedules, stepped once per epoch: ``scheduler.step()`` sets ``optimizer.lr``."""

from __future__ import annotations

import math

from ..errors import ConfigError
from .optimizer import Optimizer


class Scheduler:
    """The base of learning-rate schedules: sets the optimizer's learning rate for each epoch.

    Sets ``optimizer.lr = lr_at(epoch)`` from the optimizer's initial ``base_lr``."""

    def __init__(self, optimizer: Optimizer):
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_epoch = 0

    def lr_at(self, epoch: int) -> float:
        raise NotImplementedError

    def step(self) -> None:
        self.last_epoch += 1
        self.optimizer.lr = self.lr_at(self.last_epoch)

    def get_last_lr(self) -> float:
        return self.optimizer.lr

    def state_dict(self) -> dict:
        return {"base_lr": self.base_lr, "last_epoch": self.last_epoch}

    def load_state_dict(self, state: dict) -> None:
        self.base_lr = float(state["base_lr"])
        self.last_epoch = int(state["last_epoch"])
        self.optimizer.lr = self.lr_at(self.last_epoch)


class StepLR(Scheduler):
    r"""Learning rate multiplied by gamma every step_size epochs.

    :math:`\eta_e = \eta_0\,\gamma^{\lfloor e / s \rfloor}`."""

    def __init__(self, optimizer, step_size: int, gamma: float = 0.1):
        super().__init__(optimizer)
        if step_size < 1:
            raise ConfigError(f"StepLR: step_size must be >= 1, got {step_size}")
        self.step_size, self.gamma = int(step_size), float(gamma)

    def lr_at(self, epoch):
        return self.base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(Scheduler):
    r"""Learning rate multiplied by gamma after every epoch.

    :math:`\eta_e = \eta_0\,\gamma^{e}`."""

    def __init__(self, optimizer, gamma: float):
        super().__init__(optimizer)
        self.gamma = float(gamma)

    def lr_at(self, epoch):
        return self.base_lr * self.gamma**epoch


class CosineAnnealingLR(Scheduler):
    r"""Learning rate falling from its start to a minimum along half a cosine wave.

    :math:`\eta_e = \eta_{min} + \tfrac12(\eta_0 - \eta_{min})(1 + \cos(\pi e / T_{max}))`."""

    def __init__(self, optimizer, T_max: int, eta_min: float = 0.0):  # noqa: N803 (PyTorch's name)
        super().__init__(optimizer)
        if T_max < 1:
            raise ConfigError(f"CosineAnnealingLR: T_max must be >= 1, got {T_max}")
        self.T_max, self.eta_min = int(T_max), float(eta_min)

    def lr_at(self, epoch):
        cos = 1 + math.cos(math.pi * epoch / self.T_max)
        return self.eta_min + (self.base_lr - self.eta_min) * cos / 2
