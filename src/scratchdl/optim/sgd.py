"""Stochastic gradient descent and its momentum variants (PyTorch's update rules)."""

from __future__ import annotations

from ..backend import get_array_module
from ..errors import ConfigError
from ..nn.blocks import add_scaled_
from .optimizer import Optimizer, _non_negative


class SGD(Optimizer):
    r"""Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay.

    With weight decay :math:`\lambda`, momentum :math:`\mu`, dampening :math:`\tau`:

    .. math::
        g \leftarrow g + \lambda\theta, \quad
        b \leftarrow \mu b + (1 - \tau) g \;(b = g \text{ on the first step}), \quad
        \theta \leftarrow \theta - \eta\,(g + \mu b \text{ if Nesterov else } b)

    With :math:`\mu = 0` this is plain :math:`\theta \leftarrow \theta - \eta g`.
    """

    hyperparameters = ("lr", "momentum", "dampening", "nesterov", "weight_decay")

    def __init__(self, params=None, lr: float = 0.01, momentum: float = 0.0, dampening: float = 0.0,
                 nesterov: bool = False, weight_decay: float = 0.0):
        super().__init__(params, lr)
        self.momentum = _non_negative(self, "momentum", momentum)
        self.dampening = float(dampening)
        self.nesterov = bool(nesterov)
        self.weight_decay = _non_negative(self, "weight_decay", weight_decay)
        if self.nesterov and (self.momentum == 0 or self.dampening != 0):
            raise ConfigError(f"{type(self).__name__}: nesterov needs momentum > 0 and dampening 0")

    def update_parameter(self, p, g, state):
        if self.weight_decay:
            g = g + self.weight_decay * p.data
        if self.momentum:
            if "momentum_buffer" not in state:
                state["momentum_buffer"] = g.copy()
            else:
                buf = state["momentum_buffer"]
                buf *= self.momentum
                buf += (1 - self.dampening) * g
            buf = state["momentum_buffer"]
            g = g + self.momentum * buf if self.nesterov else buf
        add_scaled_(p.data, -self.lr, g, get_array_module(g))


class Momentum(SGD):
    r"""The course's Momentum: SGD that keeps 90% of its previous step's velocity.

    The course's Momentum, :math:`v \leftarrow \mu v - \eta g,\ \theta \leftarrow \theta + v`
    (:math:`\mu = 0.9`): the same steps as ``SGD(momentum=0.9)`` for a constant :math:`\eta`."""

    def __init__(self, params=None, lr: float = 0.01, momentum: float = 0.9, weight_decay: float = 0.0):
        super().__init__(params, lr, momentum=momentum, weight_decay=weight_decay)


class Nesterov(SGD):
    r"""SGD with Nesterov momentum: the gradient is taken where the momentum is heading.

    Nesterov accelerated gradient: ``SGD(momentum=0.9, nesterov=True)``, the gradient taken
    at the look-ahead point :math:`\theta - \eta\mu b`."""

    def __init__(self, params=None, lr: float = 0.01, momentum: float = 0.9, weight_decay: float = 0.0):
        super().__init__(params, lr, momentum=momentum, nesterov=True, weight_decay=weight_decay)
