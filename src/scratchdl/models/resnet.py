"""A ResNet-style network for small images: a 3x3 stem, stages of residual blocks, global average
pooling and one affine layer."""

from __future__ import annotations

from ..errors import ConfigError
from ..nn import BatchNorm2d, Conv2d, GlobalAvgPool2d, Linear, ReLU, Residual, Sequential
from .config import int_list
from .convnet import ConvNet, check_input_shape


class ResNet(ConvNet):
    """A ResNet-style network: residual blocks with shortcuts, global average pooling, a Linear layer.

    ``features``: stem ``Conv2d(C, stem_channels, 3, padding=1, bias=False) - BatchNorm2d - ReLU``
    (no stem pooling: the images are small), then for each width in ``stages``, ``blocks_per_stage``
    ``Residual`` blocks (torchvision's BasicBlock: two 3x3 convs with batch norm, identity shortcut or
    a 1x1 projection when the shape changes); every stage after the first starts with stride 2.
    Then ``GlobalAvgPool2d``. ``classifier``: ``Linear(stages[-1], num_classes)``.

    On 1x28x28 the maps are 28 -> 14 -> 7 with the default three stages; on 1x8x8, 8 -> 4 -> 2.
    Global average pooling makes the classifier's size independent of the image size.
    """

    def __init__(self, input_shape=(1, 28, 28), num_classes: int = 10, stem_channels: int = 16,
                 stages=(16, 32, 64), blocks_per_stage: int = 1, init="he_normal", rng=None,
                 dtype=None):
        super().__init__()
        in_channels, height, width = check_input_shape("ResNet", input_shape)
        stages = int_list("ResNet", "stages", stages)
        if not stages or blocks_per_stage < 1:
            raise ConfigError(
                f"ResNet: needs at least one stage and one block per stage, got stages={stages}, "
                f"blocks_per_stage={blocks_per_stage}"
            )
        self.config = {"input_shape": [in_channels, height, width], "num_classes": num_classes,
                       "stem_channels": stem_channels, "stages": stages,
                       "blocks_per_stage": blocks_per_stage, "init": init}
        features = [Conv2d(in_channels, stem_channels, 3, padding=1, bias=False, init=init, rng=rng,
                           dtype=dtype),
                    BatchNorm2d(stem_channels, dtype=dtype), ReLU()]
        channels = stem_channels
        for index, width_out in enumerate(stages):
            for block in range(blocks_per_stage):
                stride = 2 if index > 0 and block == 0 else 1
                features.append(Residual(channels, width_out, stride, init=init, rng=rng, dtype=dtype))
                channels = width_out
        features.append(GlobalAvgPool2d())
        classifier = Sequential(Linear(channels, num_classes, init=init, rng=rng, dtype=dtype))
        self._set_stacks(Sequential(*features), classifier)
