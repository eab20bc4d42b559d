"""A VGG-style network for small images: stacks of 3x3 convolutions and 2x2 max-pools."""

from __future__ import annotations

from ..errors import ConfigError
from ..nn import BatchNorm2d, Conv2d, Dropout, Linear, MaxPool2d, ReLU, Sequential
from .config import int_list
from .convnet import ConvNet, check_input_shape, shrink


class VGG(ConvNet):
    """A VGG-style network: stacks of 3x3 convolutions and max-pools, then fully connected layers.

    ``features`` from ``cfg``: an int ``c`` is ``Conv2d(., c, 3, padding=1)`` [``BatchNorm2d``]
    ``ReLU``, ``"M"`` a ``MaxPool2d(2)``; then ``classifier``: for each size in ``hidden``,
    ``Linear - ReLU`` [``Dropout``], and a last ``Linear`` to ``num_classes``.

    The defaults are benchmark W4: conv16-conv16-pool-conv32-conv32-pool, affine 100, affine 10;
    on 1x28x28 the classifier sees 32x7x7 = 1568 features, on 1x8x8 it sees 32x2x2 = 128. A ``cfg``
    with more pools than the image allows raises ``ConfigError``. As in torchvision's ``vgg*_bn``,
    the convolutions keep their bias when ``batchnorm=True``.
    """

    def __init__(self, input_shape=(1, 28, 28), num_classes: int = 10, cfg=(16, 16, "M", 32, 32, "M"),
                 hidden=(100,), batchnorm: bool = False, dropout: float = 0.0, init="he_normal",
                 rng=None, dtype=None):
        super().__init__()
        in_channels, height, width = check_input_shape("VGG", input_shape)
        cfg = int_list("VGG", "cfg", cfg, markers=("M",))
        hidden = int_list("VGG", "hidden", hidden)
        if not any(v != "M" for v in cfg):
            raise ConfigError(f"VGG: cfg needs at least one conv width, got {cfg}")
        self.config = {"input_shape": [in_channels, height, width], "num_classes": num_classes,
                       "cfg": cfg, "hidden": hidden, "batchnorm": batchnorm, "dropout": dropout,
                       "init": init}
        features, channels, hw = [], in_channels, (height, width)
        for v in cfg:
            if v == "M":
                hw = shrink("VGG", "max-pool", hw, 2, 2)
                features.append(MaxPool2d(2))
                continue
            features.append(Conv2d(channels, v, 3, padding=1, init=init, rng=rng, dtype=dtype))
            if batchnorm:
                features.append(BatchNorm2d(v, dtype=dtype))
            features.append(ReLU())
            channels = v
        classifier, width_in = [], channels * hw[0] * hw[1]
        for size in hidden:
            classifier += [Linear(width_in, size, init=init, rng=rng, dtype=dtype), ReLU()]
            if dropout:
                classifier.append(Dropout(dropout, rng=rng))
            width_in = size
        classifier.append(Linear(width_in, num_classes, init=init, rng=rng, dtype=dtype))
        self._set_stacks(Sequential(*features), Sequential(*classifier))
