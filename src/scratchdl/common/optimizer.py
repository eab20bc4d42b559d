r"""The book's ``common/optimizer.py``: ``update(params, grads)`` with two dicts name -> array,
changing the arrays of ``params`` in place (so the layers that hold them move too).

The update rules are the book's, eps included, which is where they differ from PyTorch's
(``scratchdl.optim``), with :math:`g` the gradient and :math:`\eta` = ``lr``:

- ``AdaGrad``: :math:`h \mathrel{+}= g^2`, :math:`\theta \mathrel{-}= \eta g / (\sqrt h + 10^{-7})`
  (PyTorch: eps :math:`10^{-10}`);
- ``RMSprop(lr=0.01, decay_rate=0.99)``: :math:`h \leftarrow \rho h + (1-\rho) g^2`,
  :math:`\theta \mathrel{-}= \eta g / (\sqrt h + 10^{-7})` (PyTorch: ``alpha``, eps :math:`10^{-8}`);
- ``Adam(lr=0.001, beta1=0.9, beta2=0.999)``: :math:`m \mathrel{+}= (1-\beta_1)(g - m)`,
  :math:`v \mathrel{+}= (1-\beta_2)(g^2 - v)`,
  :math:`\theta \mathrel{-}= \eta_t\, m / (\sqrt v + 10^{-7})` with
  :math:`\eta_t = \eta\sqrt{1-\beta_2^t}/(1-\beta_1^t)`: the 1e-7 is added to the *uncorrected*
  :math:`\sqrt v`, which is PyTorch's Adam with eps :math:`10^{-7}/\sqrt{1-\beta_2^t}` (3.2e-6 at
  step 1, falling towards 1e-7), not :math:`10^{-8}`.
- ``SGD``: :math:`\theta \mathrel{-}= \eta g`; ``Momentum``: :math:`v \leftarrow \mu v - \eta g`,
  :math:`\theta \mathrel{+}= v`; ``Nesterov`` (Bengio's form): :math:`\theta \mathrel{+}= \mu^2 v`,
  :math:`\theta \mathrel{-}= (1+\mu)\eta g`, :math:`v \leftarrow \mu v - \eta g`: the same steps as
  PyTorch's.

Each name's moments (``v``, ``h``, ``m``: dicts name -> array) are made on its first update.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from ..backend import get_array_module
from ..calls import explain_call
from ..errors import ArgumentError, ConfigError, ShapeError
from .checks import describe, is_array

__all__ = ["SGD", "AdaGrad", "Adam", "Momentum", "Nesterov", "RMSprop"]

UPDATE_HINT = ("the book's call is optimizer.update(params, grads) with two dicts name -> array, e.g. "
               "network.params and network.gradient(x, t)")


def _check_update(optimizer, params, grads) -> None:
    """An error in the book's terms unless ``params`` and ``grads`` are dicts of matching arrays."""
    name = type(optimizer).__name__
    for label, value in (("params", params), ("grads", grads)):
        if not isinstance(value, Mapping):
            raise ArgumentError(
                f"{name}.update(params, grads): {label} must be a dict name -> array (the network's "
                f"params, or what gradient(x, t) returns), got {describe(value)}; for a scratchdl.nn "
                f"model use scratchdl.optim.{_torch_name(name)}(model.parameters(), lr=...) and step()")
    for key, array in params.items():
        if key not in grads:
            raise ConfigError(f"{name}.update(params, grads): grads has no entry {key!r} (params has "
                              f"{', '.join(map(repr, params))}; grads has {', '.join(map(repr, grads))})")
        grad = grads[key]
        for label, value in (("params", array), ("grads", grad)):
            if not is_array(value):
                raise ArgumentError(f"{name}.update(params, grads): {label}[{key!r}] must be an array, "
                                    f"got {describe(value)}")
        if array.shape != grad.shape and grad.size != array.size:
            raise ShapeError(f"{name}.update(params, grads): params[{key!r}] has shape {tuple(array.shape)} "
                             f"but grads[{key!r}] has shape {tuple(grad.shape)}")


def _torch_name(name: str) -> str:
    return {"RMSprop": "RMSProp"}.get(name, name)


def _zeros(state, key, like):
    """``state[key]``, made as zeros shaped like ``like`` on its first use."""
    if key not in state:
        state[key] = get_array_module(like).zeros_like(like)
    return state[key]


class SGD:
    r"""Stochastic gradient descent: a step against the gradient.

    :math:`\theta \mathrel{-}= \eta g`."""

    @explain_call("the book's call is SGD(lr=0.01)")
    def __init__(self, lr=0.01):
        self.lr = lr

    @explain_call(UPDATE_HINT)
    def update(self, params, grads):
        _check_update(self, params, grads)
        for key in params:
            params[key] -= self.lr * grads[key]


class Momentum:
    r"""SGD with momentum: a velocity that keeps part of the previous steps.

    :math:`v \leftarrow \mu v - \eta g,\ \theta \mathrel{+}= v`."""

    @explain_call("the book's call is Momentum(lr=0.01, momentum=0.9)")
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr = lr
        self.momentum = momentum
        self.v = None

    @explain_call(UPDATE_HINT)
    def update(self, params, grads):
        _check_update(self, params, grads)
        if self.v is None:
            self.v = {}
        for key in params:
            v = _zeros(self.v, key, params[key])
            self.v[key] = self.momentum * v - self.lr * grads[key]
            params[key] += self.v[key]


class Nesterov:
    r"""Nesterov's accelerated gradient: momentum that looks one step ahead.

    :math:`\theta \mathrel{+}= \mu^2 v,\ \theta \mathrel{-}= (1+\mu)\eta g,\ v \leftarrow \mu v - \eta g`
    (http://arxiv.org/abs/1212.0901)."""

    @explain_call("the book's call is Nesterov(lr=0.01, momentum=0.9)")
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr = lr
        self.momentum = momentum
        self.v = None

    @explain_call(UPDATE_HINT)
    def update(self, params, grads):
        _check_update(self, params, grads)
        if self.v is None:
            self.v = {}
        for key in params:
            v = _zeros(self.v, key, params[key])
            params[key] += self.momentum * self.momentum * v
            params[key] -= (1 + self.momentum) * self.lr * grads[key]
            v *= self.momentum
            v -= self.lr * grads[key]


class AdaGrad:
    r"""AdaGrad: each weight's step shrinks as its squared gradients add up.

    :math:`h \mathrel{+}= g^2,\ \theta \mathrel{-}= \eta g / (\sqrt h + 10^{-7})`."""

    @explain_call("the book's call is AdaGrad(lr=0.01)")
    def __init__(self, lr=0.01):
        self.lr = lr
        self.h = None

    @explain_call(UPDATE_HINT)
    def update(self, params, grads):
        _check_update(self, params, grads)
        if self.h is None:
            self.h = {}
        for key in params:
            h = _zeros(self.h, key, params[key])
            xp = get_array_module(h)
            h += grads[key] * grads[key]
            params[key] -= self.lr * grads[key] / (xp.sqrt(h) + 1e-7)


class RMSprop:
    r"""RMSprop: each weight's step divided by a running average of its squared gradients.

    :math:`h \leftarrow \rho h + (1 - \rho) g^2,\ \theta \mathrel{-}= \eta g / (\sqrt h + 10^{-7})`,
    :math:`\rho` = ``decay_rate``."""

    @explain_call("the book's call is RMSprop(lr=0.01, decay_rate=0.99)")
    def __init__(self, lr=0.01, decay_rate=0.99):
        self.lr = lr
        self.decay_rate = decay_rate
        self.h = None

    @explain_call(UPDATE_HINT)
    def update(self, params, grads):
        _check_update(self, params, grads)
        if self.h is None:
            self.h = {}
        for key in params:
            h = _zeros(self.h, key, params[key])
            xp = get_array_module(h)
            h *= self.decay_rate
            h += (1 - self.decay_rate) * grads[key] * grads[key]
            params[key] -= self.lr * grads[key] / (xp.sqrt(h) + 1e-7)


class Adam:
    r"""Adam: steps scaled by running averages of the gradient and of its square.

    :math:`m \mathrel{+}= (1-\beta_1)(g - m),\ v \mathrel{+}= (1-\beta_2)(g^2 - v),\
    \theta \mathrel{-}= \eta_t m / (\sqrt v + 10^{-7})`,
    :math:`\eta_t = \eta\sqrt{1-\beta_2^t}/(1-\beta_1^t)` (http://arxiv.org/abs/1412.6980v8)."""

    @explain_call("the book's call is Adam(lr=0.001, beta1=0.9, beta2=0.999)")
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.iter = 0
        self.m = None
        self.v = None

    @explain_call(UPDATE_HINT)
    def update(self, params, grads):
        _check_update(self, params, grads)
        if self.m is None:
            self.m, self.v = {}, {}
        self.iter += 1
        lr_t = self.lr * math.sqrt(1.0 - self.beta2 ** self.iter) / (1.0 - self.beta1 ** self.iter)
        for key in params:
            m, v, g = _zeros(self.m, key, params[key]), _zeros(self.v, key, params[key]), grads[key]
            xp = get_array_module(m)
            # the book's m += (1 - beta1) * (g - m), v += (1 - beta2) * (g**2 - v) and
            # params -= lr_t * m / (sqrt(v) + 1e-7), the same operations in the same order, in two buffers
            step = xp.subtract(g, m)
            step *= 1 - self.beta1
            m += step
            xp.square(g, out=step)
            step -= v
            step *= 1 - self.beta2
            v += step
            xp.sqrt(v, out=step)
            step += 1e-7
            update = xp.multiply(m, lr_t)
            update /= step
            params[key] -= update
