"""The book's MultiLayerNetExtend (scratchdl.common.multi_layer_net_extend): ch06's batch-norm gradient
check, and batch norm, dropout and weight decay together, against scratchdl.nn in float64 (batch norm
with the book's eps 1e-6, the book's dropout written again in the test), to 1e-10."""

# ruff: noqa: NPY002 (the book draws from NumPy's global generator; so do these tests, to match it)

import numpy as np
from common_reference import assert_close, book_names, gradients, loss_with_decay, mlp

from scratchdl.common.multi_layer_net_extend import MultiLayerNetExtend


def data(n, seed):
    rng = np.random.default_rng(seed)
    return rng.random((n, 784)).astype(np.float32), np.eye(10)[rng.integers(0, 10, n)]


def test_ch06_batch_norm_gradient_check():
    """ch06/batch_norm_gradient_check.py: backprop on one sample, as the book's script, equals nn's.
    (With one sample batch norm outputs beta, 0, at ReLU's kink: there the book's numerical gradient
    of beta is half the slope and its backprop 0, so the script prints large differences for beta.)"""
    x, t = data(4, 0)
    np.random.seed(0)
    network = MultiLayerNetExtend(input_size=784, hidden_size_list=[3, 3], output_size=10, use_batchnorm=True)
    assert list(network.layers) == ["Affine1", "BatchNorm1", "Activation_function1", "Affine2", "BatchNorm2",
                                    "Activation_function2", "Affine3"]
    params = {k: v.copy() for k, v in network.params.items()}
    assert_close(network.gradient(x[:1], t[:1]), gradients(mlp(params, 2, batchnorm=True), x[:1], t[:1]))
    assert_close(network.gradient(x, t), gradients(mlp(params, 2, batchnorm=True), x, t))


def test_batch_norm_backprop_equals_numerical_gradients_on_a_batch():
    rng = np.random.default_rng(1)
    x, t = rng.random((4, 49)), rng.integers(0, 10, 4)
    np.random.seed(1)
    network = MultiLayerNetExtend(49, [4, 3], 10, use_batchnorm=True, weight_decay_lambda=0.05)
    backprop = network.gradient(x, t)
    numerical = network.numerical_gradient(x, t)
    assert backprop.keys() == numerical.keys() == network.params.keys()
    for key in numerical:
        np.testing.assert_allclose(backprop[key], numerical[key], atol=1e-6, rtol=1e-5, err_msg=key)


def test_batch_norm_dropout_and_decay_train_alike_and_predict_with_the_books_running_statistics():
    x, t = data(12, 1)
    np.random.seed(2)
    network = MultiLayerNetExtend(784, [6, 5], 10, activation="sigmoid", weight_init_std="xavier",
                                  weight_decay_lambda=0.1, use_dropout=True, dropout_ration=0.2,
                                  use_batchnorm=True)
    model = mlp({k: v.copy() for k, v in network.params.items()}, 2, "sigmoid", batchnorm=True, dropout=0.2)
    state = np.random.get_state()
    means = {i: np.zeros(n) for i, n in ((1, 6), (2, 5))}
    variances = {i: np.zeros(n) for i, n in ((1, 6), (2, 5))}
    for step in range(3):
        batch = slice(4 * step, 4 * step + 4)
        ours = network.gradient(x[batch], t[batch])
        after = np.random.get_state()
        np.random.set_state(state)                     # the reference draws the same dropout masks
        inputs = x[batch].astype(np.float64)
        for i, layer in enumerate(model):
            if layer in model.norms.values():
                number = next(k for k, v in model.norms.items() if v is layer)
                means[number] = 0.9 * means[number] + 0.1 * inputs.mean(axis=0)
                variances[number] = 0.9 * variances[number] + 0.1 * inputs.var(axis=0)
            inputs = model[i](inputs)
        reference = gradients(_replayed(model, state), x[batch], t[batch], 0.1)
        assert np.random.get_state()[2] == after[2]
        state = after
        assert_close(ours, reference)
        for name, p in book_names(model).items():
            p.data -= 0.5 * reference[name]
            network.params[name] -= 0.5 * ours[name]
    model.eval()
    for number, norm in model.norms.items():
        norm.running_mean[...], norm.running_var[...] = means[number], variances[number]
        assert_close({"mean": network.layers[f"BatchNorm{number}"].running_mean,
                      "var": network.layers[f"BatchNorm{number}"].running_var},
                     {"mean": means[number], "var": variances[number]})
    np.testing.assert_allclose(network.predict(x), model(x.astype(np.float64)), atol=1e-10, rtol=0)
    assert abs(network.loss(x, t) - loss_with_decay(model, x, t, 0.1)) < 1e-10
    assert network.accuracy(x, t) == np.mean(model(x.astype(np.float64)).argmax(1) == t.argmax(1))


def _replayed(model, state):
    """``model`` with NumPy's global generator set back to ``state``, so its dropout masks are drawn
    again (the forward pass above, which followed the running statistics, drew them once)."""
    np.random.set_state(state)
    return model
