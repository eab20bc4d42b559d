"""``Module.requires_input_grad(False)``: the first layer skips dL/dx, every parameter gradient
stays the same, and ``backward`` returns None."""

import numpy as np
import pytest

from scratchdl import models, nn
from scratchdl.data import Dataset
from scratchdl.train import fit


def _gradients(model, x, t, input_grad: bool):
    model.zero_grad()
    model.requires_input_grad(input_grad)
    loss_fn = nn.CrossEntropyLoss()
    loss_fn(model(x), t)
    dx = model.backward(loss_fn.backward())
    return dx, {name: p.grad.copy() for name, p in model.named_parameters()}


def _models():
    rng = np.random.default_rng(0)
    yield "mlp", models.MLP([64, 12, 4], rng=rng), (1, 8, 8)
    yield "conv stride 1", models.SimpleConvNet((1, 8, 8), 4, channels=3, kernel_size=3, padding=1,
                                                hidden=10, rng=rng), (1, 8, 8)
    yield "conv stride 2", nn.Sequential(nn.Conv2d(2, 3, 3, stride=2, padding=1, rng=rng), nn.ReLU(),
                                         nn.Flatten(), nn.Linear(3 * 4 * 4, 4, rng=rng)), (2, 8, 8)
    yield "resnet", models.ResNet((1, 8, 8), 4, rng=rng), (1, 8, 8)


@pytest.mark.parametrize("name, model, shape", list(_models()), ids=[m[0] for m in _models()])
def test_skipping_the_input_gradient_keeps_every_parameter_gradient(name, model, shape):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, *shape)).astype(np.float32)
    t = rng.integers(0, 4, 5)
    dx, full = _gradients(model, x, t, input_grad=True)
    assert dx.shape == x.shape
    skipped_dx, skipped = _gradients(model, x, t, input_grad=False)
    assert skipped_dx is None
    assert full.keys() == skipped.keys()
    for key in full:
        np.testing.assert_allclose(skipped[key], full[key], rtol=1e-5, atol=1e-6, err_msg=key)


def test_only_the_first_layer_with_parameters_is_told():
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    model.requires_input_grad(False)
    assert [layer.input_grad for layer in model] == [True, False, True, True]
    model.requires_input_grad(True)
    assert all(layer.input_grad for layer in model)


def test_a_layer_that_cannot_pass_none_before_the_first_keeps_the_input_gradient():
    """A hand-written model may call Dropout.backward itself; it never gets None."""
    model = nn.Sequential(nn.Dropout(0.5), nn.Linear(4, 3)).eval().requires_input_grad(False)
    assert model[1].input_grad
    y = model(np.ones((2, 4), np.float32))
    assert model.backward(np.ones_like(y)).shape == (2, 4)
    identity_first = nn.Sequential(nn.Identity(), nn.Linear(4, 3)).requires_input_grad(False)
    assert not identity_first[1].input_grad


def test_fit_skips_the_input_gradient_and_restores_it():
    rng = np.random.default_rng(0)
    model = models.MLP([8, 6, 2], rng=rng)
    first = model.layers[0]
    seen = []
    backward = first.backward

    def spy(dout):
        seen.append(first.input_grad)
        return backward(dout)

    first.backward = spy
    data = Dataset(rng.standard_normal((20, 8)).astype(np.float32), rng.integers(0, 2, 20), num_classes=2)
    from scratchdl.optim import SGD

    fit(model, nn.CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), data, epochs=1, batch_size=10,
        progress=False)
    assert seen == [False, False]
    assert first.input_grad
