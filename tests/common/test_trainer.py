"""The book's Trainer (scratchdl.common.trainer): its batches drawn with replacement, its epochs as the
book counts them, its printed lines; the losses and accuracies against an nn reference, to 1e-10."""

# ruff: noqa: NPY002 (the book draws from NumPy's global generator; so do these tests, to match it)

import numpy as np
import pytest
from common_reference import BookAdam, book_names, gradients, loss_with_decay, mlp

from scratchdl import nn
from scratchdl.common.multi_layer_net import MultiLayerNet
from scratchdl.common.trainer import Trainer
from scratchdl.errors import ArgumentError, ConfigError


def test_trainer_equals_the_books_loop_on_nn_and_prints_as_the_book(capsys):
    rng = np.random.default_rng(0)
    x, t = rng.random((30, 784)).astype(np.float32), rng.integers(0, 10, 30)
    x_test, t_test = rng.random((12, 784)).astype(np.float32), rng.integers(0, 10, 12)
    np.random.seed(1)
    network = MultiLayerNet(784, [6], 10)
    model = mlp({k: v.copy() for k, v in network.params.items()}, 1)
    state = np.random.get_state()
    trainer = Trainer(network, x, t, x_test, t_test, epochs=2, mini_batch_size=10, optimizer="Adam",
                      optimizer_param={"lr": 0.01}, evaluate_sample_num_per_epoch=8)
    trainer.train()
    printed = capsys.readouterr().out.splitlines()
    assert trainer.max_iter == 6 and len(trainer.train_loss_list) == 6 and len(trainer.train_acc_list) == 2

    adam = BookAdam(list(book_names(model).values()), lr=0.01)
    np.random.set_state(state)                             # the trainer's batches, drawn again

    def accuracy(xs, ts):
        return np.sum(model(xs.astype(np.float64)).argmax(axis=1) == ts) / float(len(xs))

    expected_lines, accuracies = [], []
    for i in range(6):
        mask = np.random.choice(30, 10)
        gradients(model, x[mask], t[mask])
        adam.step()
        loss = loss_with_decay(model, x[mask], t[mask])
        assert abs(trainer.train_loss_list[i] - loss) < 1e-10
        expected_lines.append(f"train loss:{trainer.train_loss_list[i]}")
        if i % 3 == 0:
            accuracies.append((accuracy(x[:8], t[:8]), accuracy(x_test[:8], t_test[:8])))
            expected_lines.append(f"=== epoch:{len(accuracies)}, train acc:{accuracies[-1][0]}, "
                                  f"test acc:{accuracies[-1][1]} ===")
    assert list(zip(trainer.train_acc_list, trainer.test_acc_list, strict=True)) == accuracies
    final = accuracy(x_test, t_test)
    expected_lines += ["=============== Final Test Accuracy ===============", f"test acc:{final}"]
    assert printed == expected_lines


def test_epochs_are_counted_the_books_way_with_a_float_period():
    rng = np.random.default_rng(2)
    x, t = rng.random((10, 784)), rng.integers(0, 10, 10)
    np.random.seed(3)
    trainer = Trainer(MultiLayerNet(784, [3], 10), x, t, x, t, epochs=3, mini_batch_size=3, verbose=False)
    assert trainer.iter_per_epoch == pytest.approx(10 / 3) and trainer.max_iter == 10
    trainer.train()
    assert len(trainer.train_loss_list) == 10 and len(trainer.train_acc_list) == 1   # only at step 0


def test_a_scratchdl_nn_model_or_an_unknown_optimizer_is_refused_in_the_books_terms():
    x, t = np.zeros((4, 3)), np.zeros(4, dtype=int)
    with pytest.raises(ArgumentError, match=r"network must be a book-style network .*scratchdl\.train\.fit"):
        Trainer(nn.Sequential(nn.Linear(3, 2)), x, t, x, t)
    with pytest.raises(ArgumentError, match=r"network must have a params dict .* without gradient"):
        Trainer(object(), x, t, x, t)
    network = MultiLayerNet(3, [2], 2)
    with pytest.raises(ConfigError, match=r"unknown optimizer 'lbfgs'; valid: 'SGD', 'Momentum'"):
        Trainer(network, x, t, x, t, optimizer="lbfgs")
    with pytest.raises(ArgumentError, match=r"Adam\(lr=0.001, beta1=0.9, beta2=0.999\)"):
        Trainer(network, x, t, x, t, optimizer="adam", optimizer_param={"lr": 0.1, "betas": (0.9, 0.99)})
    with pytest.raises(ArgumentError, match=r"the book's call is Trainer\(network, x_train"):
        Trainer(network, x, t)
