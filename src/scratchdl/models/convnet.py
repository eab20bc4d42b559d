"""What the convolutional models share: ``features -> flatten -> classifier``, and the arithmetic that
sizes the classifier from the input shape."""

from __future__ import annotations

from ..errors import ConfigError
from ..nn import Flatten, Module


def conv_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0) -> int:
    """Output length of a convolution or pooling along one axis: ``(size + 2p - k) // s + 1``."""
    return (size + 2 * padding - kernel_size) // stride + 1


def check_input_shape(model: str, input_shape) -> tuple[int, int, int]:
    """``input_shape`` as a (C, H, W) tuple of positive ints, or a ConfigError naming ``model``."""
    shape = tuple(int(n) for n in input_shape)
    if len(shape) != 3 or min(shape) < 1:
        raise ConfigError(f"{model}: input_shape must be (channels, height, width), got {tuple(input_shape)}")
    return shape


def shrink(model: str, layer: str, hw: tuple[int, int], kernel_size: int, stride: int = 1,
           padding: int = 0) -> tuple[int, int]:
    """(H, W) after a ``kernel_size``/``stride``/``padding`` window; a ConfigError if it vanishes."""
    out = tuple(conv_output_size(n, kernel_size, stride, padding) for n in hw)
    if min(out) < 1:
        raise ConfigError(
            f"{model}: input too small: {layer} (kernel {kernel_size}, stride {stride}, padding {padding}) "
            f"on a {hw[0]}x{hw[1]} feature map leaves nothing; use a larger input_shape or fewer layers"
        )
    return out


class ConvNet(Module):
    """A ``features`` stack of conv layers, a ``Flatten``, then a ``classifier`` stack, named as in
    torchvision (``features.0.weight``, ``classifier.0.bias``). Subclasses set the three children and
    ``self.config``, the constructor arguments that rebuild the model (``type(model)(**model.config)``).
    """

    def forward(self, x):
        return self.classifier(self.flatten(self.features(x)))

    def backward(self, dout):
        return self.features.backward(self.flatten.backward(self.classifier.backward(dout)))

    def _set_stacks(self, features: Module, classifier: Module) -> None:
        self.features = features
        self.flatten = Flatten()
        self.classifier = classifier
