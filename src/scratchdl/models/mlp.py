"""The multi-layer perceptron."""

from __future__ import annotations

from .. import book_hints
from ..calls import explain_call
from ..errors import ArgumentError, ConfigError
from ..nn import BatchNorm1d, Dropout, Flatten, Linear, Module, Sequential
from ..nn import activation as make_activation
from .config import int_list


class MLP(Module):
    """A fully connected network: Linear layers and activations, ending in class scores.

    Fully connected net ``sizes[0] -> sizes[1] -> ... -> sizes[-1]``.

    Each hidden layer is Linear, [BatchNorm1d], activation, [Dropout]; the last layer is a
    plain Linear giving logits. Inputs of any shape (N, ...) are flattened first.
    Parameters are named ``layers.0.weight``, ``layers.0.bias``, ...
    """

    @explain_call(book_hints.MLP)
    def __init__(self, sizes, activation: str = "relu", init="he_normal", batchnorm: bool = False,
                 dropout: float = 0.0, rng=None, dtype=None):
        super().__init__()
        if isinstance(activation, list | tuple):
            raise ArgumentError(f"MLP(sizes, activation='relu', ...): got {sizes!r}, {activation!r}; "
                                f"{book_hints.MLP}")
        sizes = int_list("MLP", "sizes", sizes)
        if len(sizes) < 2:
            raise ConfigError(f"MLP: sizes must be at least two positive ints such as [784, 100, 10], "
                              f"got {sizes}; {book_hints.MLP}")
        self.config = {"sizes": sizes, "activation": activation, "init": init,
                       "batchnorm": batchnorm, "dropout": dropout}
        layers = []
        for fan_in, fan_out in zip(sizes[:-2], sizes[1:-1], strict=True):
            layers.append(Linear(fan_in, fan_out, init=init, rng=rng, dtype=dtype))
            if batchnorm:
                layers.append(BatchNorm1d(fan_out, dtype=dtype))
            layers.append(make_activation(activation))
            if dropout:
                layers.append(Dropout(dropout, rng=rng))
        layers.append(Linear(sizes[-2], sizes[-1], init=init, rng=rng, dtype=dtype))
        self.flatten = Flatten()
        self.layers = Sequential(*layers)

    def forward(self, x):
        return self.layers(self.flatten(x))

    def backward(self, dout):
        return self.flatten.backward(self.layers.backward(dout))

