"""The book's MultiLayerNet (scratchdl.common.multi_layer_net) in the flows of ch05 (gradient check,
training the two-layer net) and ch06 (weight-init comparison, weight decay), each against the same
network built from scratchdl.nn in float64 with the book's draws made again, to 1e-10."""

# ruff: noqa: NPY002 (the book draws from NumPy's global generator; so do these tests, to match it)

import numpy as np
import pytest
from common_reference import assert_close, book_names, gradients, loss_with_decay, mlp

from scratchdl import optim
from scratchdl.common.multi_layer_net import MultiLayerNet
from scratchdl.common.optimizer import SGD
from scratchdl.errors import ArgumentError, ConfigError


def mnist_like(n, seed, one_hot=True):
    """MNIST-shaped synthetic data: float32 pixels in [0, 1] (N, 784) and labels (one-hot rows)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n)
    return rng.random((n, 784)).astype(np.float32), (np.eye(10)[labels] if one_hot else labels)


def drawn(sizes, scale):
    """The book's weights, drawn again: W_l = scale(n_{l-1}) * randn(n_{l-1}, n_l), b_l = 0."""
    params = {}
    for i in range(1, len(sizes)):
        params[f"W{i}"] = scale(sizes[i - 1]) * np.random.randn(sizes[i - 1], sizes[i])
        params[f"b{i}"] = np.zeros(sizes[i])
    return params


def test_ch05_gradient_check_of_the_two_layer_net():
    """ch05/gradient_check.py: TwoLayerNet(784, h, 10) is MultiLayerNet(784, [h], 10, weight_init_std=0.01)
    (the same draws, the same layers); numerical and backprop gradients on 3 samples."""
    x, t = mnist_like(3, 0)
    np.random.seed(0)
    network = MultiLayerNet(input_size=784, hidden_size_list=[2], output_size=10, weight_init_std=0.01)
    np.random.seed(0)
    params = drawn([784, 2, 10], lambda n: 0.01)
    assert_close(network.params, params, tol=0)
    backprop = network.gradient(x, t)
    assert_close(backprop, gradients(mlp(params, 1), x, t))
    numerical = network.numerical_gradient(x, t)
    for key in numerical:      # what the book's script prints: tiny, but about 1e-7 for b2: backprop leaves
        assert np.average(np.abs(backprop[key] - numerical[key])) < 1e-6, key    # out the 1e-7 in the log
    reference = mlp(params, 1)
    weight = book_names(reference)["W1"].data
    for index in [(0, 0), (300, 1), (783, 1)]:        # central differences of the reference loss
        saved = weight[index]
        weight[index] = saved + 1e-4
        plus = loss_with_decay(reference, x, t)
        weight[index] = saved - 1e-4
        minus = loss_with_decay(reference, x, t)
        weight[index] = saved
        assert abs(numerical["W1"][index] - (plus - minus) / 2e-4) < 1e-10


def test_ch05_training_the_two_layer_net_equals_nn_and_sgd():
    """ch05/train_neuralnet.py, short: batches drawn with replacement, params -= lr * grad in place."""
    x, t = mnist_like(200, 1)
    np.random.seed(1)
    network = MultiLayerNet(784, [20], 10, weight_init_std=0.01)
    losses, accuracies = [], []
    for i in range(30):
        mask = np.random.choice(200, 25)
        grad = network.gradient(x[mask], t[mask])
        for key in ("W1", "b1", "W2", "b2"):
            network.params[key] -= 0.1 * grad[key]
        losses.append(network.loss(x[mask], t[mask]))
        if i % 8 == 0:
            accuracies.append(network.accuracy(x, t))

    np.random.seed(1)
    reference = mlp(drawn([784, 20, 10], lambda n: 0.01), 1)
    sgd = optim.SGD(list(book_names(reference).values()), lr=0.1)
    for i in range(30):
        mask = np.random.choice(200, 25)
        gradients(reference, x[mask], t[mask])
        sgd.step()
        assert abs(losses[i] - loss_with_decay(reference, x[mask], t[mask])) < 1e-10
        if i % 8 == 0:
            predicted = reference(x.astype(np.float64)).argmax(axis=1)
            assert accuracies[i // 8] == np.mean(predicted == t.argmax(axis=1))
    assert losses[-1] < losses[0]
    assert_close(network.params, {k: p.data for k, p in book_names(reference).items()})


def test_ch06_weight_init_compare_draws_std_xavier_and_he_and_trains_alike():
    """ch06/weight_init_compare.py, short: three networks (0.01, 'sigmoid' = Xavier, 'relu' = He), one
    SGD(lr=0.01) for all three, one batch stream."""
    x, t = mnist_like(100, 2, one_hot=False)
    kinds = {"std=0.01": 0.01, "Xavier": "sigmoid", "He": "relu"}
    scales = {"std=0.01": lambda n: 0.01, "Xavier": lambda n: np.sqrt(1.0 / n),
              "He": lambda n: np.sqrt(2.0 / n)}
    sizes = [784, 10, 10, 10, 10, 10]
    np.random.seed(3)
    networks = {k: MultiLayerNet(784, [10, 10, 10, 10], 10, weight_init_std=w) for k, w in kinds.items()}
    np.random.seed(3)
    references = {k: drawn(sizes, scales[k]) for k in kinds}
    for k in kinds:
        assert_close(networks[k].params, references[k], tol=0)
    models = {k: mlp(references[k], 4) for k in kinds}
    optimizer = SGD(lr=0.01)
    for _ in range(3):
        mask = np.random.choice(100, 16)
        for k in kinds:
            optimizer.update(networks[k].params, networks[k].gradient(x[mask], t[mask]))
            gradients(models[k], x[mask], t[mask])
            optim.SGD(list(book_names(models[k]).values()), lr=0.01).step()
            loss = networks[k].loss(x[mask], t[mask])
            assert abs(loss - loss_with_decay(models[k], x[mask], t[mask])) < 1e-10


@pytest.mark.parametrize("activation", ["relu", "sigmoid"])
def test_weight_decay_adds_half_lambda_w_squared_to_the_loss_and_lambda_w_to_the_gradient(activation):
    x, t = mnist_like(8, 4)
    np.random.seed(5)
    network = MultiLayerNet(784, [6, 5], 10, activation=activation, weight_init_std="xavier",
                            weight_decay_lambda=0.3)
    model = mlp({k: v.copy() for k, v in network.params.items()}, 2, activation)
    assert abs(network.loss(x, t) - loss_with_decay(model, x, t, 0.3)) < 1e-10
    assert_close(network.gradient(x, t), gradients(model, x, t, 0.3))


@pytest.mark.parametrize("call,error,words", [
    (lambda: MultiLayerNet(784, 100, 10), ArgumentError, "hidden_size_list must be a list of positive ints"),
    (lambda: MultiLayerNet([784, 100, 10]), ArgumentError, "missing a required argument"),
    (lambda: MultiLayerNet(sizes=[784, 10]), ArgumentError, "MultiLayerNet(784, [100, 100], 10)"),
    (lambda: MultiLayerNet(784, [5], 10, activation="tanh"), ConfigError, "unknown activation 'tanh'"),
    (lambda: MultiLayerNet(784, [5], 10, weight_init_std="glorot"), ConfigError, "weight_init_std must be"),
])
def test_mixed_up_calls_name_the_books_signature(call, error, words):
    with pytest.raises(error) as e:
        call()
    assert words in str(e.value)
