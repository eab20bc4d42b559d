"""The residual block of ResNet-18/34 (torchvision's ``BasicBlock``)."""

from __future__ import annotations

import numbers

from ..errors import ConfigError, ModuleTypeError
from .activation import ReLU
from .containers import Sequential
from .conv import Conv2d
from .module import Module
from .norm import BatchNorm2d
from .shape import Identity


class Residual(Module):
    r"""ResNet's basic block: two 3x3 convolutions with batch norm, plus a shortcut, then ReLU.

    It is built from channel counts, ``Residual(in_channels, out_channels, stride=1)``, not from
    layers. In formulas:

    .. math::
        h = \mathrm{ReLU}(\mathrm{BN}_1(\mathrm{conv}_1(x))), \quad
        y = \mathrm{ReLU}(\mathrm{BN}_2(\mathrm{conv}_2(h)) + \mathrm{shortcut}(x))

    ``conv1`` has the block's stride; ``shortcut`` is the identity when the shape is kept, else
    ``Sequential(Conv2d(in, out, 1, stride, bias=False), BatchNorm2d(out))``. Parameter names
    (``conv1``, ``bn1``, ``conv2``, ``bn2``, ``shortcut.0``, ``shortcut.1``) match a PyTorch
    module with the same attributes. Convolutions have no bias (batch norm follows each).

    Backward: :math:`x` feeds both branches, so its gradient is the sum of theirs,
    :math:`\partial L/\partial x = \partial L/\partial x|_{main} + \partial L/\partial x|_{shortcut}`,
    with :math:`\delta` through the final ReLU given to both.
    """

    def __init__(self, in_channels: int, out_channels: int, stride=1, init="he_normal", rng=None,
                 dtype=None):
        super().__init__()
        for option, value in (("in_channels", in_channels), ("out_channels", out_channels)):
            _check_channels(option, value)
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride
        self.conv1 = Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False,
                            init=init, rng=rng, dtype=dtype)
        self.bn1 = BatchNorm2d(out_channels, dtype=dtype)
        self.relu1 = ReLU()
        self.conv2 = Conv2d(out_channels, out_channels, 3, padding=1, bias=False, init=init, rng=rng,
                            dtype=dtype)
        self.bn2 = BatchNorm2d(out_channels, dtype=dtype)
        if stride != 1 or in_channels != out_channels:
            self.shortcut = Sequential(
                Conv2d(in_channels, out_channels, 1, stride=stride, bias=False, init=init, rng=rng,
                       dtype=dtype),
                BatchNorm2d(out_channels, dtype=dtype),
            )
        else:
            self.shortcut = Identity()
        self.relu2 = ReLU()

    def extra_repr(self) -> str:
        stride = f", stride={self.stride}" if self.stride != 1 else ""
        return f"{self.in_channels}, {self.out_channels}{stride}"

    def forward(self, x):
        h = self.relu1(self.bn1(self.conv1(x)))
        return self.relu2(self.bn2(self.conv2(h)) + self.shortcut(x))

    def backward(self, dout):
        delta = self.relu2.backward(dout)
        dx_main = self.conv1.backward(self.bn1.backward(self.relu1.backward(
            self.conv2.backward(self.bn2.backward(delta)))))
        return dx_main + self.shortcut.backward(delta)


def _check_channels(option: str, value) -> None:
    """A positive int, else an error saying how a Residual block is built."""
    usage = "Residual(in_channels, out_channels, stride=1) builds ResNet's basic block from channel counts"
    if isinstance(value, (Module, list, tuple)):
        raise ModuleTypeError(
            f"Residual: {option} must be a channel count, got {type(value).__name__}; {usage}. For a "
            f"shortcut around your own layers, write a Module whose forward returns f(x) + x and whose "
            f"backward returns the sum of both branches' input gradients"
        )
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ConfigError(f"Residual: {option} must be a positive int, got {value!r}; {usage}")
