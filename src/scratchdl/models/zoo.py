"""The model registry: ``MODELS`` by name, and ``build(name, input_shape, num_classes, **kwargs)``."""

from __future__ import annotations

import math

from ..errors import unknown_name
from .alexnet import AlexNet
from .config import int_list
from .mlp import MLP
from .resnet import ResNet
from .simple_cnn import SimpleConvNet
from .vgg import VGG

MODELS = {"mlp": MLP, "simple_cnn": SimpleConvNet, "vgg": VGG, "resnet": ResNet, "alexnet": AlexNet}


def build(name: str, input_shape=(1, 28, 28), num_classes: int = 10, **kwargs):
    """The model registered as ``name``, sized for inputs of ``input_shape`` (without the batch axis)
    and ``num_classes`` outputs; ``kwargs`` go to its constructor.

    ``build("mlp", (1, 28, 28), 10, hidden=(100, 100))`` is ``MLP([784, 100, 100, 10])``; the conv nets
    take ``input_shape`` and ``num_classes`` themselves. Unknown names raise ``ConfigError``.
    """
    key = str(name).lower()
    if key not in MODELS:
        raise unknown_name("model", name, MODELS)
    if key == "mlp":
        hidden = int_list("mlp", "hidden", kwargs.pop("hidden", (100,)))
        return MLP([math.prod(input_shape), *hidden, num_classes], **kwargs)
    return MODELS[key](input_shape=tuple(input_shape), num_classes=num_classes, **kwargs)
