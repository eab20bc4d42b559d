"""What the page draws, measured on the network: grid orientation, probabilities, saturation, dead units."""

import base64

import numpy as np
import pytest

from scratchdl import nn
from scratchdl.playground import Session, views


def decode(text):
    return np.frombuffer(base64.b64decode(text), dtype=np.uint8)


def test_grid_runs_row_by_row_from_the_top_left():
    g = views.grid(1.0, 4)
    assert g.shape == (16, 2) and g.dtype == np.float32
    np.testing.assert_allclose(g[0], [-0.75, 0.75])     # top left
    np.testing.assert_allclose(g[3], [0.75, 0.75])      # top right
    np.testing.assert_allclose(g[-1], [0.75, -0.75])    # bottom right


def test_boundary_is_the_softmax_of_the_models_scores():
    session = Session({"hidden": [4]})
    boundary = views.boundary(session.model, 1.5)
    probs = decode(boundary["probs"]).reshape(-1, 3).astype(float) / 255
    assert probs.shape == (views.BOUNDARY_SIZE ** 2, 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1, atol=2 / 255)
    scores = session.model(views.grid(1.5, views.BOUNDARY_SIZE)).astype(float)
    expected = np.exp(scores - scores.max(axis=1, keepdims=True))
    np.testing.assert_allclose(probs, expected / expected.sum(axis=1, keepdims=True), atol=1 / 255)
    assert session.model.training  # measured in eval mode, left in training mode


@pytest.mark.parametrize(("kind", "peak"), [(nn.Sigmoid, 0.25), (nn.Tanh, 1.0), (nn.ReLU, 1.0),
                                            (nn.LeakyReLU, 1.0), (nn.GELU, 1.1289)])
def test_peak_derivative_is_found_by_the_layers_own_backward(kind, peak):
    assert views.peak_derivative(kind) == pytest.approx(peak, abs=1e-3)


def test_a_relu_layer_pushed_below_zero_is_dead_and_saturated():
    session = Session({"activation": "relu", "hidden": [6, 6]})
    session.model[0].bias.data[:3] = -100.0  # three units of layer 1 negative for every input
    stats = views.layer_stats(session.model, session.train_set.x, session.linears, [1.0, 1.0, 1.0])
    assert stats[0]["dead"] == 0.5 and stats[0]["saturated"] >= 0.5
    assert stats[0]["histogram"][0] >= 0.5  # half the outputs are exactly 0, in the first bin
    assert sum(stats[0]["histogram"]) == pytest.approx(1, abs=1e-3)


def test_sigmoid_with_huge_weights_saturates():
    session = Session({"activation": "sigmoid", "hidden": [8]})
    session.model[0].weight.data *= 1000
    stats = views.layer_stats(session.model, session.train_set.x, session.linears, [1.0, 1.0])
    assert stats[0]["saturated"] > 0.9 and stats[0]["range"] == [0.0, 1.0]
    session = Session({"activation": "sigmoid", "hidden": [8]})
    stats = views.layer_stats(session.model, session.train_set.x, session.linears, [1, 1])
    assert stats[0]["saturated"] < 0.5


def test_unit_maps_are_each_units_output_scaled_by_its_layer():
    session = Session({"hidden": [3, 2]})
    maps = views.unit_maps(session.model, 1.5)
    size = maps["size"]
    first = decode(maps["layers"][0]["maps"]).reshape(3, size * size)
    outputs = [y for _, y, _ in views.activations(session.model, views.grid(1.5, size))]
    expected = np.round(127.5 * (outputs[0].T / maps["layers"][0]["scale"] + 1))
    np.testing.assert_array_equal(first, expected)
    assert decode(maps["layers"][1]["maps"]).size == 2 * size * size
