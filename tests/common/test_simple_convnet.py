"""The book's SimpleConvNet (scratchdl.common.simple_convnet) in the flows of ch07: the gradient check
and training with Adam, against the same network of scratchdl.nn layers in float64, to 1e-10; its
parameters saved without pickle."""

# ruff: noqa: NPY002 (the book draws from NumPy's global generator; so do these tests, to match it)

import pickle

import numpy as np
import pytest
from common_reference import BookAdam, assert_close, book_loss, book_names, gradients, simple_convnet

from scratchdl.common.optimizer import Adam
from scratchdl.common.simple_convnet import SimpleConvNet
from scratchdl.errors import ArgumentError, ConfigError, DataError, ShapeError

SMALL = {"filter_num": 3, "filter_size": 3, "pad": 0, "stride": 1}


def test_the_books_draws_in_the_books_order():
    np.random.seed(0)
    network = SimpleConvNet(input_dim=(1, 10, 10), conv_param=SMALL, hidden_size=5, output_size=10,
                            weight_init_std=0.01)
    np.random.seed(0)
    expected = {"W1": 0.01 * np.random.randn(3, 1, 3, 3), "b1": np.zeros(3),
                "W2": 0.01 * np.random.randn(3 * 4 * 4, 5), "b2": np.zeros(5),
                "W3": 0.01 * np.random.randn(5, 10), "b3": np.zeros(10)}
    assert_close(network.params, expected, tol=0)
    assert network.layers["Conv1"].W is network.params["W1"]


def test_ch07_gradient_check():
    """ch07/gradient_check.py: one 10x10 image, the label as a (1, 1) array as the book writes it."""
    np.random.seed(1)
    network = SimpleConvNet(input_dim=(1, 10, 10), conv_param=SMALL, hidden_size=4, output_size=10,
                            weight_init_std=0.01)
    X = np.random.rand(100).reshape((1, 1, 10, 10))  # noqa: N806 (the book's names)
    T = np.array([1]).reshape((1, 1))  # noqa: N806
    params = {k: v.copy() for k, v in network.params.items()}
    grad = network.gradient(X, T)
    assert_close(grad, gradients(simple_convnet(params, 1, 0), X, T.reshape(1)))
    grad_num = network.numerical_gradient(X, T)
    for key in grad_num:          # what the script prints: small, larger for W1 near max-pooling's ties
        assert np.abs(grad_num[key] - grad[key]).mean() < 1e-4, key


@pytest.mark.parametrize("conv_param", [SMALL, {"filter_num": 2, "filter_size": 4, "pad": 1, "stride": 2}])
def test_ch07_training_with_adam_equals_nn(conv_param):
    """ch07/train_convnet.py, short: MNIST-shaped images, Adam(lr=0.001) through the dict params."""
    rng = np.random.default_rng(2)
    x, t = rng.random((40, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, 40)
    np.random.seed(3)
    network = SimpleConvNet(input_dim=(1, 28, 28), conv_param=conv_param, hidden_size=8, output_size=10)
    model = simple_convnet({k: v.copy() for k, v in network.params.items()}, conv_param["stride"],
                           conv_param["pad"])
    optimizer, reference = Adam(lr=0.001), BookAdam(list(book_names(model).values()), lr=0.001)
    for step in range(4):
        batch = slice(10 * step, 10 * step + 10)
        optimizer.update(network.params, network.gradient(x[batch], t[batch]))
        gradients(model, x[batch], t[batch])
        reference.step()
        loss = network.loss(x[batch], t[batch])
        assert abs(loss - book_loss(model(x[batch].astype(np.float64)), t[batch])) < 1e-10
    assert_close(network.params, {k: p.data for k, p in book_names(model).items()})


def test_accuracy_counts_whole_batches_but_divides_by_every_sample():
    np.random.seed(4)
    network = SimpleConvNet(input_dim=(1, 8, 8), conv_param=SMALL, hidden_size=4, output_size=3)
    x = np.random.rand(150, 1, 8, 8)
    t = network.predict(x).argmax(axis=1)                 # every prediction right
    assert network.accuracy(x, t) == pytest.approx(100 / 150)
    assert network.accuracy(x, t, batch_size=50) == 1.0
    assert network.accuracy(x, np.eye(3)[t], batch_size=150) == 1.0


def test_params_are_saved_and_loaded_without_pickle(tmp_path):
    np.random.seed(5)
    network = SimpleConvNet(input_dim=(1, 8, 8), conv_param=SMALL, hidden_size=4, output_size=3)
    path = tmp_path / "params.pkl"
    network.save_params(str(path))
    assert path.read_bytes()[:2] == b"PK"                   # a NumPy .npz archive under the book's name
    np.random.seed(6)
    other = SimpleConvNet(input_dim=(1, 8, 8), conv_param=SMALL, hidden_size=4, output_size=3)
    other.load_params(str(path))
    assert_close(other.params, network.params, tol=0)
    x = np.random.rand(2, 1, 8, 8)
    np.testing.assert_array_equal(other.predict(x), network.predict(x))
    book_pickle = tmp_path / "book.pkl"
    book_pickle.write_bytes(pickle.dumps(dict(network.params)))
    with pytest.raises(DataError, match=r"not loaded \(a pickle can run code\)"):
        other.load_params(str(book_pickle))
    with pytest.raises(DataError, match="cannot read"):
        other.load_params(str(tmp_path / "missing.pkl"))


def test_mixed_up_calls_name_the_books_signature():
    with pytest.raises(ArgumentError, match=r"the book's call is SimpleConvNet\(input_dim=\(1, 28, 28\)"):
        SimpleConvNet(input_shape=(1, 28, 28))
    with pytest.raises(ConfigError, match="conv_param must be a dict with the keys filter_num"):
        SimpleConvNet(conv_param={"filter_num": 30})
    with pytest.raises(ArgumentError, match=r"input_dim must be \(channels, height, width\)"):
        SimpleConvNet(input_dim=28)
    odd = SimpleConvNet(conv_param={"filter_num": 2, "filter_size": 3, "pad": 1, "stride": 2})
    with pytest.raises(ShapeError, match=r"W is \(105, 100\), so x must be \(N, 105\)"):
        odd.predict(np.zeros((1, 1, 28, 28)))    # the book sizes W2 from 14.5 x 14.5 maps: 2 * 7.25^2
