r"""Weight initializers, selectable by name.

For a weight of shape ``shape`` with fan-in :math:`n_{in}` and fan-out :math:`n_{out}`:

- ``xavier_normal`` (alias ``xavier``, ``lecun_normal``): :math:`N(0, 1/n_{in})`, standard deviation
  :math:`1/\sqrt{n_{in}}`, as the course and "Deep Learning from Scratch" define Xavier
- ``xavier_uniform`` (alias ``glorot_uniform``): :math:`U(-a, a)`, :math:`a = \sqrt{6 / (n_{in} + n_{out})}`,
  variance :math:`2 / (n_{in} + n_{out})` as in Glorot's paper and ``torch.nn.init.xavier_uniform_``
- ``glorot_normal``: :math:`N(0, 2 / (n_{in} + n_{out}))`, as ``torch.nn.init.xavier_normal_``
- ``he_normal`` (alias ``he``, ``kaiming_normal``; for ReLU): :math:`N(0, 2/n_{in})`
- ``he_uniform`` (Kaiming): :math:`U(-a, a)`, :math:`a = \sqrt{6/n_{in}}`
- ``normal``: :math:`N(0, \mathrm{std}^2)` (``std`` defaults to 0.01, as the course's ``weight_init_std``)
- ``uniform``: :math:`U(-a, a)` (``a`` defaults to 0.05)
- ``zeros``

Fan-in of a Linear weight (in, out) is ``in``; of a Conv2d weight (out, in, kh, kw) it is ``in*kh*kw``.
"""

from __future__ import annotations

import math

import numpy as np

from ..backend import default_rng, resolve_dtype
from ..errors import unknown_name


def fans(shape: tuple[int, ...], layout: str = "in_out") -> tuple[int, int]:
    """(fan_in, fan_out) of a weight: ``in_out`` for Linear (in, out), ``out_in`` for Conv (out, in, ...)."""
    if len(shape) == 2 and layout == "in_out":
        return shape[0], shape[1]
    receptive = math.prod(shape[2:]) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _normal(std):
    return lambda rng, shape, fan_in, fan_out: rng.normal(0.0, std(fan_in, fan_out), shape)


def _uniform(bound):
    def draw(rng, shape, fan_in, fan_out):
        a = bound(fan_in, fan_out)
        return rng.uniform(-a, a, shape)

    return draw


INITIALIZERS = {
    "xavier_normal": _normal(lambda i, o: math.sqrt(1.0 / i)),
    "xavier": _normal(lambda i, o: math.sqrt(1.0 / i)),
    "lecun_normal": _normal(lambda i, o: math.sqrt(1.0 / i)),
    "xavier_uniform": _uniform(lambda i, o: math.sqrt(6.0 / (i + o))),
    "glorot_uniform": _uniform(lambda i, o: math.sqrt(6.0 / (i + o))),
    "glorot_normal": _normal(lambda i, o: math.sqrt(2.0 / (i + o))),
    "he_normal": _normal(lambda i, o: math.sqrt(2.0 / i)),
    "he": _normal(lambda i, o: math.sqrt(2.0 / i)),
    "he_uniform": _uniform(lambda i, o: math.sqrt(6.0 / i)),
    "kaiming_normal": _normal(lambda i, o: math.sqrt(2.0 / i)),
    "kaiming_uniform": _uniform(lambda i, o: math.sqrt(6.0 / i)),
    "zeros": lambda rng, shape, fan_in, fan_out: np.zeros(shape),
}


def initialize(
    name: str | float,
    shape: tuple[int, ...],
    layout: str = "in_out",
    rng: np.random.Generator | None = None,
    dtype=None,
) -> np.ndarray:
    """A new weight of ``shape`` drawn by initializer ``name``.

    ``name`` may also be ``"normal"``/``"normal:0.1"`` (std), ``"uniform"``/``"uniform:0.1"``
    (bound), or a number, taken as the std of a normal distribution as the course's
    ``weight_init_std`` is.
    """
    rng = default_rng() if rng is None else rng
    fan_in, fan_out = fans(shape, layout)
    if isinstance(name, int | float):
        values = rng.normal(0.0, float(name), shape)
    else:
        kind, _, arg = str(name).lower().partition(":")
        if kind == "normal":
            values = rng.normal(0.0, float(arg or 0.01), shape)
        elif kind == "uniform":
            bound = float(arg or 0.05)
            values = rng.uniform(-bound, bound, shape)
        elif kind in INITIALIZERS:
            values = INITIALIZERS[kind](rng, shape, fan_in, fan_out)
        else:
            raise unknown_name("initializer", name, [*INITIALIZERS, "normal", "uniform"])
    return np.asarray(values, dtype=resolve_dtype(dtype))


def names() -> list[str]:
    """Every initializer name ``initialize`` accepts."""
    return sorted([*INITIALIZERS, "normal", "uniform"])
