r"""Numerical gradient checks: a layer's backward against central differences, in float64.

For a module :math:`f` and a fixed random upstream gradient :math:`\delta`, the scalar
:math:`L(x, \theta) = \sum f(x; \theta) \odot \delta` has :math:`\partial L/\partial x =`
``backward(delta)``. Each entry of :math:`x` and of every parameter is nudged by :math:`\pm h`:

.. math::
    \frac{\partial L}{\partial v} \approx \frac{L(v + h) - L(v - h)}{2h}

and the two are compared per array with the relative error
:math:`\max|a - n| / \max(\max|a|, \max|n|, 10^{-3} g)`, where :math:`g` is the largest
gradient entry of the whole module. The floor keeps a gradient that is zero by construction
(the bias of a Linear followed by training-mode batch norm) from dividing rounding noise by
rounding noise; a wrong gradient larger than :math:`10^{-9} g` still shows.
"""

from __future__ import annotations

import copy
import sys
import types
from dataclasses import dataclass, field

import numpy as np

from .backend import default_rng, get_array_module, to_numpy
from .nn.loss import Loss
from .nn.module import Module


@dataclass
class GradcheckResult:
    """The result of a gradient check: the relative error of each array and the worst one.

    Relative error per checked array (``input``, parameter names) and the worst of them."""

    errors: dict[str, float] = field(default_factory=dict)

    @property
    def max_error(self) -> float:
        return max(self.errors.values(), default=0.0)

    def ok(self, tol: float = 1e-6) -> bool:
        return self.max_error < tol

    def __str__(self) -> str:
        rows = [f"  {name:<28} {err:.3e}" for name, err in self.errors.items()]
        return "\n".join([f"worst relative error {self.max_error:.3e}", *rows])


def relative_error(analytic, numeric, floor: float = 0.0) -> float:
    """``max|a - n| / max(max|a|, max|n|, floor)``, 0 when all three are 0."""
    analytic, numeric = np.asarray(analytic), np.asarray(numeric)
    scale = max(np.abs(analytic).max(initial=0.0), np.abs(numeric).max(initial=0.0), floor)
    if scale == 0.0:
        return 0.0
    return float(np.abs(analytic - numeric).max() / scale)


def numerical_grad(f, v, h: float = 1e-6):
    """Central-difference gradient of scalar ``f()`` with respect to array ``v``, changed in place."""
    grad = np.zeros(v.shape, dtype=np.float64)
    flat = v.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        plus = f()
        flat[i] = old - h
        minus = f()
        flat[i] = old
        grad.flat[i] = (plus - minus) / (2 * h)
    return grad


def _frozen_rngs(module: Module):
    """Snapshot every generator a forward may draw from, so each call draws the same numbers."""
    gens = [default_rng()] + [m.rng for m in module.modules() if getattr(m, "rng", None) is not None]
    states = [copy.deepcopy(g.bit_generator.state) for g in gens]

    def restore():
        for g, s in zip(gens, states, strict=True):
            g.bit_generator.state = copy.deepcopy(s)

    return restore


def gradcheck(module: Module, x, target=None, h: float = 1e-6, seed: int = 0) -> GradcheckResult:
    """Compare ``module.backward`` with central differences in float64.

    For a layer or model, checks dL/dx and every parameter gradient. For a ``Loss``, pass
    the prediction as ``x`` and the ``target``; checks dL/dy. ``module`` is copied and cast to
    float64, so the original is untouched. A module on a GPU is checked there: ``x`` (and the
    upstream gradient) are moved to its device, the comparison is made on the host.
    """
    module = copy.deepcopy(module).to(np.float64)
    param = next((p for _, p in module.named_parameters()), None)
    xp = get_array_module(param.data if param is not None else x)
    x = xp.array(x, dtype=np.float64)
    restore = _frozen_rngs(module)
    result = GradcheckResult()

    if isinstance(module, Loss):
        module.forward(x, target)
        result.errors["input"] = relative_error(
            to_numpy(module.backward()), numerical_grad(lambda: float(module.forward(x, target)), x, h)
        )
        return result

    restore()
    out = module(x)
    dout = xp.asarray(np.random.default_rng(seed).standard_normal(out.shape))

    def loss():
        restore()
        return float((module(x) * dout).sum())

    restore()
    module.zero_grad()
    module(x)
    dx = module.backward(dout)
    analytic = {"input": to_numpy(dx)}
    analytic.update({name: to_numpy(p.grad.copy()) for name, p in module.named_parameters()})
    numeric = {"input": numerical_grad(loss, x, h)}
    for name, param in module.named_parameters():
        numeric[name] = numerical_grad(loss, param.data, h)
    floor = 1e-3 * max(np.abs(a).max(initial=0.0) for a in [*analytic.values(), *numeric.values()])
    for name in analytic:
        result.errors[name] = relative_error(analytic[name], numeric[name], floor)
    return result


class _CallableModule(types.ModuleType):
    """This module, callable as its ``gradcheck`` function: ``scratchdl.gradcheck(layer, x)`` works
    whether the name ``scratchdl.gradcheck`` was bound to the function or, by an import of
    ``scratchdl.gradcheck.something``, to this module."""

    def __call__(self, *args, **kwargs) -> GradcheckResult:
        return gradcheck(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
