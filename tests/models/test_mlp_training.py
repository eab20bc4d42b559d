"""An MLP learns the three-class spiral (CS231n's) to >= 95% training accuracy with every optimizer,
and with batch norm and dropout."""

import numpy as np
import pytest

from scratchdl import nn, optim
from scratchdl.models import MLP


def spiral(points_per_class=100, classes=3, seed=0):
    """Three interleaved arms; not linearly separable (a linear model gets about 50%)."""
    rng = np.random.default_rng(seed)
    x = np.zeros((points_per_class * classes, 2), dtype=np.float32)
    t = np.zeros(points_per_class * classes, dtype=np.int64)
    for k in range(classes):
        rows = slice(k * points_per_class, (k + 1) * points_per_class)
        radius = np.linspace(0.0, 1.0, points_per_class)
        theta = np.linspace(k * 4, (k + 1) * 4, points_per_class)
        theta += rng.standard_normal(points_per_class) * 0.2
        x[rows] = np.c_[radius * np.sin(theta), radius * np.cos(theta)]
        t[rows] = k
    return x, t


X, T = spiral()


def accuracy(model, x=X, t=T):
    model.eval()
    return float((model(x).argmax(axis=1) == t).mean())


LEARNING_RATES = {
    "sgd": 1.0,
    "momentum": 0.1,
    "nesterov": 0.1,
    "adagrad": 0.5,
    "rmsprop": 0.01,
    "adam": 0.02,
    "adamw": 0.02,
}


@pytest.mark.parametrize("name", list(LEARNING_RATES))
def test_mlp_learns_the_spiral_with_each_optimizer(name):
    model = MLP([2, 100, 3], rng=np.random.default_rng(0))
    opt = optim.create(name, model.parameters(), lr=LEARNING_RATES[name])
    criterion = nn.CrossEntropyLoss()
    start = accuracy(model)
    losses = []
    for _ in range(400):  # full batch
        model.train()
        opt.zero_grad()
        losses.append(criterion(model(X), T))
        model.backward(criterion.backward())
        opt.step()
    assert start < 0.7
    assert losses[-1] < 0.25 * losses[0]
    assert accuracy(model) >= 0.95


def test_a_linear_model_cannot_learn_it():
    """The spiral really needs the hidden layer: the same training without one stays far below."""
    model = MLP([2, 3], rng=np.random.default_rng(0))
    opt = optim.Adam(model.parameters(), lr=0.02)
    criterion = nn.CrossEntropyLoss()
    for _ in range(400):
        opt.zero_grad()
        criterion(model(X), T)
        model.backward(criterion.backward())
        opt.step()
    assert accuracy(model) < 0.7


def test_mlp_with_batchnorm_and_dropout_learns_the_spiral_in_minibatches():
    rng = np.random.default_rng(1)
    model = MLP([2, 64, 64, 3], batchnorm=True, dropout=0.1, rng=rng)
    opt = optim.Adam(model.parameters(), lr=0.01)
    criterion = nn.CrossEntropyLoss()
    for _ in range(50):  # epochs of three shuffled batches of 100
        order = rng.permutation(len(X))
        for batch in order.reshape(3, 100):
            model.train()
            opt.zero_grad()
            criterion(model(X[batch]), T[batch])
            model.backward(criterion.backward())
            opt.step()
    assert int(model.layers[1].num_batches_tracked) == 150
    assert accuracy(model) >= 0.95  # eval mode: running statistics, no dropout
