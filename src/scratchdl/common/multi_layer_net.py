r"""The book's ``common/multi_layer_net.py``: a fully connected network whose weights live in a
dict ``params`` (``W1``, ``b1``, ``W2``, ...) shared with its layers.

``MultiLayerNet(input_size, hidden_size_list, output_size, activation='relu',
weight_init_std='relu', weight_decay_lambda=0)``: Affine, activation, ..., Affine, then
``SoftmaxWithLoss``. The weights are drawn from NumPy's global generator in the book's order
(``W1``, ``W2``, ...; the biases are zeros), so ``np.random.seed(s)`` reproduces the book's network:

- ``weight_init_std`` ``'relu'`` or ``'he'``: standard deviation :math:`\sqrt{2/n}` (He), n the
  size of the layer below; ``'sigmoid'`` or ``'xavier'``: :math:`\sqrt{1/n}` (Xavier as the book
  and the course define it); a number: that standard deviation.
- ``loss`` adds :math:`\frac\lambda2 \sum_l \lVert W_l\rVert^2` (weight decay) to the
  cross-entropy, and ``gradient`` adds :math:`\lambda W_l` to each weight's gradient.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from ..calls import explain_call
from ..errors import ArgumentError, ConfigError
from .checks import describe
from .gradient import numerical_gradient
from .layers import Affine, Relu, Sigmoid, SoftmaxWithLoss

__all__ = ["MultiLayerNet"]

ACTIVATIONS = {"sigmoid": Sigmoid, "relu": Relu}
HE, XAVIER = ("relu", "he"), ("sigmoid", "xavier")

HINT = ("the book's call is MultiLayerNet(input_size, hidden_size_list, output_size, activation='relu', "
        "weight_init_std='relu', weight_decay_lambda=0), e.g. MultiLayerNet(784, [100, 100], 10); "
        "scratchdl.models.MLP(sizes) is scratchdl.nn's")


def check_sizes(call: str, input_size, hidden_size_list, output_size) -> None:
    """An ``ArgumentError`` unless the sizes are positive ints and ``hidden_size_list`` a list of them."""
    for name, value in (("input_size", input_size), ("output_size", output_size)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ArgumentError(f"{call}: {name} must be a positive int, got {describe(value)}; {HINT}")
    if not isinstance(hidden_size_list, list | tuple) or not all(
            isinstance(v, int | np.integer) and not isinstance(v, bool) and v >= 1 for v in hidden_size_list):
        raise ArgumentError(f"{call}: hidden_size_list must be a list of positive ints such as [100, 100], "
                            f"got {hidden_size_list!r}")


def activation_layer(call: str, activation):
    """The layer class for ``'relu'`` or ``'sigmoid'``."""
    if activation not in ACTIVATIONS:
        raise ConfigError(f"{call}: unknown activation {activation!r}; valid: 'relu', 'sigmoid'")
    return ACTIVATIONS[activation]


def init_weights(params: dict, sizes: list, weight_init_std) -> None:
    """Fill ``params`` with ``W1``, ``b1``, ... for the layer ``sizes``, drawn as the book draws them."""
    if isinstance(weight_init_std, str):
        if weight_init_std.lower() not in HE + XAVIER:
            raise ConfigError(f"weight_init_std must be 'relu', 'he', 'sigmoid', 'xavier' or a number "
                              f"(the standard deviation), got {weight_init_std!r}")
    elif isinstance(weight_init_std, bool) or not isinstance(weight_init_std, int | float | np.floating):
        raise ConfigError(f"weight_init_std must be 'relu', 'he', 'sigmoid', 'xavier' or a number, "
                          f"got {describe(weight_init_std)}")
    for idx in range(1, len(sizes)):
        scale = weight_init_std
        if str(weight_init_std).lower() in HE:
            scale = np.sqrt(2.0 / sizes[idx - 1])
        elif str(weight_init_std).lower() in XAVIER:
            scale = np.sqrt(1.0 / sizes[idx - 1])
        params["W" + str(idx)] = scale * np.random.randn(sizes[idx - 1], sizes[idx])  # noqa: NPY002
        params["b" + str(idx)] = np.zeros(sizes[idx])


class MultiLayerNet:
    """A fully connected network in the book's style, its weights in the dict params."""

    @explain_call(HINT)
    def __init__(self, input_size, hidden_size_list, output_size,
                 activation="relu", weight_init_std="relu", weight_decay_lambda=0):
        name = type(self).__name__
        check_sizes(name, input_size, hidden_size_list, output_size)
        self.input_size = input_size
        self.output_size = output_size
        self.hidden_size_list = hidden_size_list
        self.hidden_layer_num = len(hidden_size_list)
        self.weight_decay_lambda = weight_decay_lambda
        self.params = {}
        activation = activation_layer(name, activation)
        init_weights(self.params, [input_size, *hidden_size_list, output_size], weight_init_std)

        self.layers = OrderedDict()
        for idx in range(1, self.hidden_layer_num + 1):
            self.layers.update(self.hidden_layers(idx, activation))
        idx = self.hidden_layer_num + 1
        self.layers["Affine" + str(idx)] = Affine(self.params["W" + str(idx)], self.params["b" + str(idx)])
        self.last_layer = SoftmaxWithLoss()

    def hidden_layers(self, idx: int, activation) -> list:
        """The named layers of hidden layer ``idx``: ``Affine<idx>``, ``Activation_function<idx>``."""
        return [("Affine" + str(idx), Affine(self.params["W" + str(idx)], self.params["b" + str(idx)])),
                ("Activation_function" + str(idx), activation())]

    def predict(self, x):
        """The scores (before softmax) for the inputs ``x``."""
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def weight_decay(self):
        r""":math:`\frac\lambda2 \sum_l \lVert W_l \rVert^2`, added in this order to 0."""
        weight_decay = 0
        for idx in range(1, self.hidden_layer_num + 2):
            W = self.params["W" + str(idx)]  # noqa: N806 (the book's name)
            weight_decay += 0.5 * self.weight_decay_lambda * np.sum(W ** 2)
        return weight_decay

    def loss(self, x, t):
        """The cross-entropy of ``x`` against the labels ``t``, plus the weight decay."""
        y = self.predict(x)
        return self.last_layer.forward(y, t) + self.weight_decay()

    def accuracy(self, x, t):
        """The share of ``x`` whose highest score is its label (``t`` labels or one-hot rows)."""
        y = np.argmax(self.predict(x), axis=1)
        if t.ndim != 1:
            t = np.argmax(t, axis=1)
        return np.sum(y == t) / float(x.shape[0])

    def numerical_gradient(self, x, t):
        """The loss's gradient by central differences, ``{'W1': ..., 'b1': ..., ...}`` (slow)."""
        def loss_W(W):  # noqa: N802, N803 (the book's names)
            return self.loss(x, t)

        grads = {}
        for idx in range(1, self.hidden_layer_num + 2):
            grads["W" + str(idx)] = numerical_gradient(loss_W, self.params["W" + str(idx)])
            grads["b" + str(idx)] = numerical_gradient(loss_W, self.params["b" + str(idx)])
        return grads

    def backpropagate(self) -> None:
        """``backward`` through the loss (dout = 1) and every layer in reverse."""
        dout = self.last_layer.backward(1)
        for layer in reversed(self.layers.values()):
            dout = layer.backward(dout)

    def gradient(self, x, t):
        """The loss's gradient by backpropagation, ``{'W1': ..., 'b1': ..., ...}``."""
        self.loss(x, t)
        self.backpropagate()
        grads = {}
        for idx in range(1, self.hidden_layer_num + 2):
            affine = self.layers["Affine" + str(idx)]
            grads["W" + str(idx)] = affine.dW + self.weight_decay_lambda * affine.W
            grads["b" + str(idx)] = affine.db
        return grads
