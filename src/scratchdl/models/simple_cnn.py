"""SimpleConvNet: the course's conv - ReLU - pool - affine - ReLU - affine network."""

from __future__ import annotations

from .. import book_hints
from ..calls import explain_call
from ..nn import Conv2d, Linear, MaxPool2d, ReLU, Sequential
from .convnet import ConvNet, check_input_shape, shrink


class SimpleConvNet(ConvNet):
    """The course's simple CNN: a convolution, ReLU and max-pool, then two fully connected layers.

    ``conv (channels, kernel_size) - ReLU - max-pool pool_size - affine hidden - ReLU - affine``.

    With the defaults on a 1x28x28 input this is the course's network (and benchmark W3): 30 filters
    of 5x5 without padding (24x24 maps), a 2x2 max-pool (12x12), 4320 -> 100 -> 10.

    ``padding=None`` picks the padding from the image: 0 ("valid") when both sides are at least
    ``2 * kernel_size`` pixels, else ``kernel_size // 2`` ("same"), so that a small image such as
    an 8x8 digit keeps its border pixels and its 8x8 grid (8x8 -> conv 8x8 -> pool 4x4). The chosen
    number is stored in ``self.config``, so a rebuilt model is the same network.
    """

    @explain_call(book_hints.SIMPLE_CONVNET)
    def __init__(self, input_shape=(1, 28, 28), num_classes: int = 10, channels: int = 30,
                 kernel_size: int = 5, padding: int | None = None, pool_size: int = 2, hidden: int = 100,
                 init="he_normal", rng=None, dtype=None):
        super().__init__()
        in_channels, height, width = check_input_shape("SimpleConvNet", input_shape)
        if padding is None:
            padding = 0 if min(height, width) >= 2 * kernel_size else kernel_size // 2
        self.config = {"input_shape": [in_channels, height, width], "num_classes": num_classes,
                       "channels": channels, "kernel_size": kernel_size, "padding": padding,
                       "pool_size": pool_size, "hidden": hidden, "init": init}
        hw = shrink("SimpleConvNet", "conv", (height, width), kernel_size, 1, padding)
        hw = shrink("SimpleConvNet", "max-pool", hw, pool_size, pool_size)
        self._set_stacks(
            Sequential(
                Conv2d(in_channels, channels, kernel_size, padding=padding, init=init, rng=rng, dtype=dtype),
                ReLU(),
                MaxPool2d(pool_size),
            ),
            Sequential(
                Linear(channels * hw[0] * hw[1], hidden, init=init, rng=rng, dtype=dtype),
                ReLU(),
                Linear(hidden, num_classes, init=init, rng=rng, dtype=dtype),
            ),
        )
