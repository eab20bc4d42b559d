"""Optimizers with per-parameter learning rates: AdaGrad, RMSProp, Adam, AdamW
(PyTorch's update rules and defaults)."""

from __future__ import annotations

from .. import book_hints
from ..backend import get_array_module
from ..calls import explain_call
from .optimizer import Optimizer, _non_negative, _positive


class AdaGrad(Optimizer):
    r"""AdaGrad: each parameter's step shrinks as its squared gradients add up.

    :math:`h \leftarrow h + g^2,\quad \theta \leftarrow \theta - \eta\, g / (\sqrt h + \epsilon)`
    (with weight decay, :math:`g \leftarrow g + \lambda\theta` first)."""

    hyperparameters = ("lr", "eps", "weight_decay")

    def __init__(self, params=None, lr: float = 0.01, eps: float = 1e-10, weight_decay: float = 0.0):
        super().__init__(params, lr)
        self.eps = _positive(self, "eps", eps)
        self.weight_decay = _non_negative(self, "weight_decay", weight_decay)

    def update_parameter(self, p, g, state):
        xp = get_array_module(g)
        if self.weight_decay:
            g = g + self.weight_decay * p.data
        h = self.buffer(state, "sum", g)
        h += g * g
        p.data -= self.lr * g / (xp.sqrt(h) + self.eps)


class RMSProp(Optimizer):
    r"""RMSProp: each parameter's step divided by a running average of its squared gradients.

    :math:`h \leftarrow \alpha h + (1 - \alpha) g^2,\quad
    \theta \leftarrow \theta - \eta\, g / (\sqrt h + \epsilon)`.

    ``centered`` subtracts the squared running mean of :math:`g` from :math:`h`; ``momentum``
    :math:`\mu` accumulates :math:`b \leftarrow \mu b + g / (\sqrt h + \epsilon)` and steps by
    :math:`\eta b`.
    """

    hyperparameters = ("lr", "alpha", "eps", "weight_decay", "momentum", "centered")

    @explain_call(book_hints.RMSPROP)
    def __init__(self, params=None, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False):
        super().__init__(params, lr)
        self.alpha = _non_negative(self, "alpha", alpha)
        self.eps = _positive(self, "eps", eps)
        self.weight_decay = _non_negative(self, "weight_decay", weight_decay)
        self.momentum = _non_negative(self, "momentum", momentum)
        self.centered = bool(centered)

    def update_parameter(self, p, g, state):
        xp = get_array_module(g)
        if self.weight_decay:
            g = g + self.weight_decay * p.data
        h = self.buffer(state, "square_avg", g)
        h *= self.alpha
        h += (1 - self.alpha) * g * g
        if self.centered:
            mean = self.buffer(state, "grad_avg", g)
            mean += (1 - self.alpha) * (g - mean)
            denom = xp.sqrt(h - mean * mean) + self.eps
        else:
            denom = xp.sqrt(h) + self.eps
        if self.momentum:
            buf = self.buffer(state, "momentum_buffer", g)
            buf *= self.momentum
            buf += g / denom
            p.data -= self.lr * buf
        else:
            p.data -= self.lr * g / denom


class Adam(Optimizer):
    r"""Adam: steps scaled by running averages of the gradient and of its square.

    With :math:`t` the step number:

    .. math::
        m \leftarrow \beta_1 m + (1-\beta_1) g, \quad v \leftarrow \beta_2 v + (1-\beta_2) g^2, \\
        \theta \leftarrow \theta - \frac{\eta}{1-\beta_1^t}\,
        \frac{m}{\sqrt{v}/\sqrt{1-\beta_2^t} + \epsilon}

    ``weight_decay`` adds :math:`\lambda\theta` to :math:`g` (L2); see ``AdamW`` for decoupled decay.
    """

    hyperparameters = ("lr", "betas", "eps", "weight_decay")
    decoupled = False

    @explain_call(book_hints.ADAM)
    def __init__(self, params=None, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(params, lr)
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps = _positive(self, "eps", eps)
        self.weight_decay = _non_negative(self, "weight_decay", weight_decay)

    def update_parameter(self, p, g, state):
        xp = get_array_module(g)
        beta1, beta2 = self.betas
        if self.weight_decay:
            if self.decoupled:
                p.data *= 1 - self.lr * self.weight_decay
            else:
                g = g + self.weight_decay * p.data
        m = self.buffer(state, "exp_avg", g)
        v = self.buffer(state, "exp_avg_sq", g)
        m += (1 - beta1) * (g - m)
        v *= beta2
        v += (1 - beta2) * g * g
        step_size = self.lr / (1 - beta1**self.t)
        denom = xp.sqrt(v) / (1 - beta2**self.t) ** 0.5 + self.eps
        p.data -= step_size * m / denom


class AdamW(Adam):
    r"""Adam with weight decay applied to the weights directly (decoupled from the gradient).

    Adam with decoupled weight decay: :math:`\theta \leftarrow \theta(1 - \eta\lambda)` before
    the Adam step (default :math:`\lambda = 0.01`)."""

    decoupled = True

    @explain_call(book_hints.ADAM)
    def __init__(self, params=None, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.01):
        super().__init__(params, lr, betas, eps, weight_decay)
