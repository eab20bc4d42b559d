"""The model zoo: MLP and convolutional nets sized for small images, by name in ``MODELS``."""

from .alexnet import AlexNet
from .mlp import MLP
from .resnet import ResNet
from .simple_cnn import SimpleConvNet
from .vgg import VGG
from .zoo import MODELS, build

__all__ = ["MLP", "MODELS", "VGG", "AlexNet", "ResNet", "SimpleConvNet", "build"]
