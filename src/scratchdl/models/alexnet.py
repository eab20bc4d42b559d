"""An AlexNet-style network for small images: a large strided first kernel, overlapping max-pools,
and dropout in the classifier."""

from __future__ import annotations

from ..errors import ConfigError
from ..nn import Conv2d, Dropout, Linear, MaxPool2d, ReLU, Sequential
from .config import int_list
from .convnet import ConvNet, check_input_shape, shrink


class AlexNet(ConvNet):
    """An AlexNet-style network: a large strided first kernel, overlapping max-pools and dropout.

    AlexNet's layout scaled down for 28x28 and 8x8 images.

    ``features``: conv ``first_kernel`` stride ``first_stride`` (padding ``first_kernel // 2``) - ReLU -
    max-pool 3/2 - conv 5x5 - ReLU - max-pool 3/2 - three conv 3x3 with ReLU - max-pool 3/2, with
    ``channels`` filters in the five convs. Every pool is AlexNet's overlapping 3x3 window with
    stride 2, padded by 1 so that it halves any map (rounding up) and never fails on a small one:
    28x28 -> 14 -> 7 -> 4 -> 2, and 8x8 -> 4 -> 2 -> 1 -> 1.

    ``classifier`` as torchvision's: for each size in ``hidden``, ``Dropout(dropout) - Linear - ReLU``,
    then ``Linear`` to ``num_classes``.
    """

    def __init__(self, input_shape=(1, 28, 28), num_classes: int = 10, channels=(32, 64, 96, 96, 64),
                 first_kernel: int = 5, first_stride: int = 2, hidden=(256, 256), dropout: float = 0.5,
                 init="he_normal", rng=None, dtype=None):
        super().__init__()
        in_channels, height, width = check_input_shape("AlexNet", input_shape)
        channels = int_list("AlexNet", "channels", channels)
        hidden = int_list("AlexNet", "hidden", hidden)
        if len(channels) != 5:
            raise ConfigError(f"AlexNet: channels must list the 5 conv widths, got {channels}")
        self.config = {"input_shape": [in_channels, height, width], "num_classes": num_classes,
                       "channels": channels, "first_kernel": first_kernel, "first_stride": first_stride,
                       "hidden": hidden, "dropout": dropout, "init": init}

        def conv(c_in, c_out, k, stride=1):
            return Conv2d(c_in, c_out, k, stride=stride, padding=k // 2, init=init, rng=rng, dtype=dtype)

        hw = shrink("AlexNet", "conv 1", (height, width), first_kernel, first_stride, first_kernel // 2)
        features = [conv(in_channels, channels[0], first_kernel, first_stride), ReLU(), MaxPool2d(3, 2, 1),
                    conv(channels[0], channels[1], 5), ReLU(), MaxPool2d(3, 2, 1)]
        for c_in, c_out in zip(channels[1:4], channels[2:5], strict=True):
            features += [conv(c_in, c_out, 3), ReLU()]
        features.append(MaxPool2d(3, 2, 1))
        for _ in range(3):
            hw = shrink("AlexNet", "max-pool", hw, 3, 2, 1)
        classifier, width_in = [], channels[4] * hw[0] * hw[1]
        for size in hidden:
            if dropout:
                classifier.append(Dropout(dropout, rng=rng))
            classifier += [Linear(width_in, size, init=init, rng=rng, dtype=dtype), ReLU()]
            width_in = size
        classifier.append(Linear(width_in, num_classes, init=init, rng=rng, dtype=dtype))
        self._set_stacks(Sequential(*features), Sequential(*classifier))
