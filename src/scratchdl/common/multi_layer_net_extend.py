"""The book's ``common/multi_layer_net_extend.py``: ``MultiLayerNet`` with weight decay, dropout and
batch normalization.

``MultiLayerNetExtend(input_size, hidden_size_list, output_size, activation='relu',
weight_init_std='relu', weight_decay_lambda=0, use_dropout=False, dropout_ration=0.5,
use_batchnorm=False)`` (``dropout_ration`` is the book's spelling). Each hidden layer is Affine,
[BatchNormalization], activation, [Dropout]; ``gamma1``, ``beta1``, ... join ``params`` when
batch normalization is on. ``predict`` and ``loss`` take ``train_flg`` (default False: the test
mode of dropout and batch norm); ``gradient`` runs in training mode, so each call draws new
dropout masks from NumPy's global generator and updates the batch-norm running averages.
"""

from __future__ import annotations

import numpy as np

from ..calls import explain_call
from .gradient import numerical_gradient
from .layers import Affine, BatchNormalization, Dropout
from .multi_layer_net import MultiLayerNet

__all__ = ["MultiLayerNetExtend"]

HINT = ("the book's call is MultiLayerNetExtend(input_size, hidden_size_list, output_size, "
        "activation='relu', weight_init_std='relu', weight_decay_lambda=0, use_dropout=False, "
        "dropout_ration=0.5, use_batchnorm=False)")


class MultiLayerNetExtend(MultiLayerNet):
    """A fully connected network in the book's style with weight decay, dropout and batch norm."""

    @explain_call(HINT)
    def __init__(self, input_size, hidden_size_list, output_size,
                 activation="relu", weight_init_std="relu", weight_decay_lambda=0,
                 use_dropout=False, dropout_ration=0.5, use_batchnorm=False):
        self.use_dropout = use_dropout
        self.dropout_ration = dropout_ration
        self.use_batchnorm = use_batchnorm
        super().__init__(input_size, hidden_size_list, output_size, activation, weight_init_std,
                         weight_decay_lambda)

    def hidden_layers(self, idx: int, activation) -> list:
        """``Affine<idx>``, [``BatchNorm<idx>``], ``Activation_function<idx>``, [``Dropout<idx>``]; with
        batch norm, ``gamma<idx>`` (ones) and ``beta<idx>`` (zeros) join ``params``."""
        layers = [("Affine" + str(idx), Affine(self.params["W" + str(idx)], self.params["b" + str(idx)]))]
        if self.use_batchnorm:
            size = self.hidden_size_list[idx - 1]
            self.params["gamma" + str(idx)] = np.ones(size)
            self.params["beta" + str(idx)] = np.zeros(size)
            layers.append(("BatchNorm" + str(idx), BatchNormalization(self.params["gamma" + str(idx)],
                                                                      self.params["beta" + str(idx)])))
        layers.append(("Activation_function" + str(idx), activation()))
        if self.use_dropout:
            layers.append(("Dropout" + str(idx), Dropout(self.dropout_ration)))
        return layers

    def predict(self, x, train_flg=False):
        """The scores; dropout and batch norm in training mode when ``train_flg``."""
        for key, layer in self.layers.items():
            switched = "Dropout" in key or "BatchNorm" in key
            x = layer.forward(x, train_flg) if switched else layer.forward(x)
        return x

    def loss(self, x, t, train_flg=False):
        """The cross-entropy of ``x`` against ``t``, plus the weight decay."""
        y = self.predict(x, train_flg)
        return self.last_layer.forward(y, t) + self.weight_decay()

    def accuracy(self, x, t):
        """The share of ``x`` whose highest score (test mode) is its label."""
        y = np.argmax(self.predict(x, train_flg=False), axis=1)
        if t.ndim != 1:
            t = np.argmax(t, axis=1)
        return np.sum(y == t) / float(x.shape[0])

    def _has_batchnorm(self, idx: int) -> bool:
        return self.use_batchnorm and idx != self.hidden_layer_num + 1

    def numerical_gradient(self, x, t):
        """The loss's gradient (training mode) by central differences, gamma and beta included."""
        def loss_W(W):  # noqa: N802, N803 (the book's names)
            return self.loss(x, t, train_flg=True)

        grads = {}
        for idx in range(1, self.hidden_layer_num + 2):
            for name in ("W", "b", "gamma", "beta") if self._has_batchnorm(idx) else ("W", "b"):
                grads[name + str(idx)] = numerical_gradient(loss_W, self.params[name + str(idx)])
        return grads

    def gradient(self, x, t):
        """The loss's gradient by backpropagation (training mode), gamma and beta included."""
        self.loss(x, t, train_flg=True)
        self.backpropagate()
        grads = {}
        for idx in range(1, self.hidden_layer_num + 2):
            affine = self.layers["Affine" + str(idx)]
            grads["W" + str(idx)] = affine.dW + self.weight_decay_lambda * self.params["W" + str(idx)]
            grads["b" + str(idx)] = affine.db
            if self._has_batchnorm(idx):
                grads["gamma" + str(idx)] = self.layers["BatchNorm" + str(idx)].dgamma
                grads["beta" + str(idx)] = self.layers["BatchNorm" + str(idx)].dbeta
        return grads
