"""Optimizers (PyTorch's update rules, the course's names) and learning-rate schedules."""

from ..errors import unknown_name
from .adaptive import AdaGrad, Adam, AdamW, RMSProp
from .optimizer import Optimizer
from .scheduler import CosineAnnealingLR, ExponentialLR, Scheduler, StepLR
from .sgd import SGD, Momentum, Nesterov

OPTIMIZERS = {
    "sgd": SGD,
    "momentum": Momentum,
    "nesterov": Nesterov,
    "adagrad": AdaGrad,
    "rmsprop": RMSProp,
    "adam": Adam,
    "adamw": AdamW,
}

# PyTorch's spellings.
Adagrad, RMSprop = AdaGrad, RMSProp


def create(name: str, params, **kwargs) -> Optimizer:
    """An optimizer by name (``sgd``, ``momentum``, ``nesterov``, ``adagrad``, ``rmsprop``,
    ``adam``, ``adamw``)."""
    key = str(name).lower()
    if key not in OPTIMIZERS:
        raise unknown_name("optimizer", name, OPTIMIZERS)
    return OPTIMIZERS[key](params, **kwargs)


__all__ = [
    "OPTIMIZERS", "SGD", "AdaGrad", "Adagrad", "Adam", "AdamW", "CosineAnnealingLR",
    "ExponentialLR", "Momentum", "Nesterov", "Optimizer", "RMSProp", "RMSprop", "Scheduler",
    "StepLR", "create",
]
