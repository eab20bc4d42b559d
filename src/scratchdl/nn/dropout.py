"""Inverted dropout: scale at training time, identity at evaluation time."""

from __future__ import annotations

from .. import book_hints
from ..backend import default_rng, get_array_module
from ..calls import explain_call
from ..errors import ConfigError
from .module import Module
from .validate import check_input


class Dropout(Module):
    r"""Randomly zeroes inputs while training, scaling up the rest, to reduce overfitting.

    Each element is kept with probability :math:`1 - p` and scaled by :math:`1/(1 - p)`:
    :math:`y = x \odot m / (1 - p)`, :math:`m \sim \mathrm{Bernoulli}(1 - p)`;
    :math:`\partial L/\partial x = \delta \odot m / (1 - p)`. In ``eval()`` it is the identity.

    The mask comes from ``rng`` (a ``numpy.random.Generator``) or the library-wide generator.
    """

    mask_axes: tuple[int, ...] = ()

    def __init__(self, p: float = 0.5, rng=None):
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ConfigError(f"{type(self).__name__}: p must be in [0, 1), got {p}")
        self.p = p
        self.rng = rng

    def extra_repr(self) -> str:
        return f"p={self.p}"

    def _mask_shape(self, x):
        return tuple(1 if axis in self.mask_axes else n for axis, n in enumerate(x.shape))

    @explain_call(book_hints.DROPOUT)
    def forward(self, x):
        check_input(self, x)
        if not self.training or self.p == 0.0:
            self._cache = 1
            return x
        rng = default_rng() if self.rng is None else self.rng
        keep = rng.random(self._mask_shape(x)) >= self.p
        xp = get_array_module(x)
        scale = xp.asarray(keep, dtype=x.dtype) * x.dtype.type(1.0 / (1.0 - self.p))
        self._cache = scale
        return x * scale

    def backward(self, dout):
        return dout * self.saved()


class Dropout2d(Dropout):
    """Channel dropout for (N, C, H, W): whole feature maps are kept or dropped together."""

    mask_axes = (2, 3)

    @explain_call(book_hints.DROPOUT)
    def forward(self, x):
        check_input(self, x, ndim=4)
        return super().forward(x)
