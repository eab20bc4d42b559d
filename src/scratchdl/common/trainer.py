"""The book's ``common/trainer.py``: trains a book-style network (``params``, ``gradient(x, t)``,
``loss(x, t)``, ``accuracy(x, t)``) with one of the book's optimizers, printing as the book prints.

Kept as the book has it:

- each step draws its mini-batch *with replacement*, ``np.random.choice(train_size, batch_size)``
  from NumPy's global generator, so an "epoch" of ``train_size / batch_size`` steps sees about 63%
  of the samples once (``scratchdl.train.fit`` makes one shuffled pass over every sample);
- the steps are ``int(epochs * train_size / batch_size)`` in all, and the accuracies are measured
  at step 0 and every ``train_size / batch_size`` steps after it (a float: with 1,000 samples at
  300 a batch, only at step 0), on the first ``evaluate_sample_num_per_epoch`` samples when given;
- the loss printed and kept after each step is measured *after* the update, on the same batch.
"""

from __future__ import annotations

import numpy as np

from ..calls import explain_call
from ..errors import ArgumentError, ConfigError
from .checks import describe
from .optimizer import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSprop

__all__ = ["Trainer"]

OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "nesterov": Nesterov, "adagrad": AdaGrad,
              "rmsprop": RMSprop, "adam": Adam}
NETWORK_METHODS = ("gradient", "loss", "accuracy")
HINT = ("the book's call is Trainer(network, x_train, t_train, x_test, t_test, epochs=20, "
        "mini_batch_size=100, optimizer='SGD', optimizer_param={'lr': 0.01}, "
        "evaluate_sample_num_per_epoch=None, verbose=True)")


def check_network(network) -> None:
    """An ``ArgumentError`` unless ``network`` has the book's ``params`` dict and methods."""
    from ..nn.module import Module

    if isinstance(network, Module):
        raise ArgumentError(
            f"Trainer(network, ...): network must be a book-style network (a params dict and gradient, loss "
            f"and accuracy methods, e.g. MultiLayerNet or SimpleConvNet from scratchdl.common), got the "
            f"scratchdl.nn model {type(network).__name__}; train that one with "
            f"scratchdl.train.fit(model, ...)")
    missing = [m for m in NETWORK_METHODS if not callable(getattr(network, m, None))]
    if not isinstance(getattr(network, "params", None), dict) or missing:
        raise ArgumentError(
            f"Trainer(network, ...): network must have a params dict and the methods gradient(x, t), "
            f"loss(x, t) and accuracy(x, t), got {describe(network)}"
            + (f" without {', '.join(missing)}" if missing else " without a params dict"))


class Trainer:
    """Trains a book-style network on mini-batches, printing the loss and the accuracy per epoch."""

    @explain_call(HINT)
    def __init__(self, network, x_train, t_train, x_test, t_test,
                 epochs=20, mini_batch_size=100,
                 optimizer="SGD", optimizer_param={"lr": 0.01},  # noqa: B006 (the book's default)
                 evaluate_sample_num_per_epoch=None, verbose=True):
        check_network(network)
        if not isinstance(optimizer, str) or optimizer.lower() not in OPTIMIZERS:
            raise ConfigError(f"Trainer: unknown optimizer {optimizer!r}; valid: "
                              f"{', '.join(repr(c.__name__) for c in OPTIMIZERS.values())} (any case)")
        self.network = network
        self.verbose = verbose
        self.x_train = x_train
        self.t_train = t_train
        self.x_test = x_test
        self.t_test = t_test
        self.epochs = epochs
        self.batch_size = mini_batch_size
        self.evaluate_sample_num_per_epoch = evaluate_sample_num_per_epoch

        self.optimizer = OPTIMIZERS[optimizer.lower()](**optimizer_param)

        self.train_size = x_train.shape[0]
        self.iter_per_epoch = max(self.train_size / mini_batch_size, 1)
        self.max_iter = int(epochs * self.iter_per_epoch)
        self.current_iter = 0
        self.current_epoch = 0

        self.train_loss_list = []
        self.train_acc_list = []
        self.test_acc_list = []

    def train_step(self):
        """One update on a batch drawn with replacement; the accuracies when an epoch begins."""
        batch_mask = np.random.choice(self.train_size, self.batch_size)  # noqa: NPY002 (the book's)
        x_batch = self.x_train[batch_mask]
        t_batch = self.t_train[batch_mask]

        grads = self.network.gradient(x_batch, t_batch)
        self.optimizer.update(self.network.params, grads)

        loss = self.network.loss(x_batch, t_batch)
        self.train_loss_list.append(loss)
        if self.verbose:
            print("train loss:" + str(loss))

        if self.current_iter % self.iter_per_epoch == 0:
            self.current_epoch += 1
            x_train_sample, t_train_sample = self.x_train, self.t_train
            x_test_sample, t_test_sample = self.x_test, self.t_test
            if self.evaluate_sample_num_per_epoch is not None:
                t = self.evaluate_sample_num_per_epoch
                x_train_sample, t_train_sample = self.x_train[:t], self.t_train[:t]
                x_test_sample, t_test_sample = self.x_test[:t], self.t_test[:t]
            train_acc = self.network.accuracy(x_train_sample, t_train_sample)
            test_acc = self.network.accuracy(x_test_sample, t_test_sample)
            self.train_acc_list.append(train_acc)
            self.test_acc_list.append(test_acc)
            if self.verbose:
                print("=== epoch:" + str(self.current_epoch) + ", train acc:" + str(train_acc)
                      + ", test acc:" + str(test_acc) + " ===")
        self.current_iter += 1

    def train(self):
        """``max_iter`` steps, then the accuracy on the whole test set."""
        for _ in range(self.max_iter):
            self.train_step()
        test_acc = self.network.accuracy(self.x_test, self.t_test)
        if self.verbose:
            print("=============== Final Test Accuracy ===============")
            print("test acc:" + str(test_acc))
