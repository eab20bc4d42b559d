"""from_nn: every model of the zoo run through autograd gives the explicit layers' loss and gradients."""

import copy

import numpy as np
import pytest

from scratchdl import models, nn
from scratchdl.autograd import Tensor, from_nn
from scratchdl.autograd import functional as F
from scratchdl.errors import ConfigError


@pytest.mark.parametrize("name", list(models.MODELS))
def test_zoo_models_meet_their_explicit_backward(name):
    model = models.build(name, (1, 10, 10), 5, rng=np.random.default_rng(1), dtype=np.float64).train()
    twin = copy.deepcopy(model)                      # the same weights and dropout generator state
    x, t = np.random.default_rng(2).random((3, 1, 10, 10)), np.array([1, 4, 0])
    criterion = nn.CrossEntropyLoss()
    value = criterion(twin(x), t)
    twin.zero_grad()
    dx = twin.backward(criterion.backward())
    params = from_nn.parameters(model)
    xt = Tensor(x, requires_grad=True)
    loss = F.cross_entropy(from_nn.forward(model, xt, params), t)
    loss.backward()
    assert float(loss) == pytest.approx(value, rel=1e-12)
    np.testing.assert_allclose(xt.grad.numpy(), dx, rtol=1e-10, atol=1e-12)
    for key, p in twin.named_parameters():
        np.testing.assert_allclose(params[key].grad.numpy(), p.grad, rtol=1e-10, atol=1e-12, err_msg=key)
    for key, buffer in twin.named_buffers():          # batch norm's running statistics moved alike
        np.testing.assert_allclose(model.state_dict()[key], buffer, rtol=1e-12, err_msg=key)


def test_parameters_share_the_layers_arrays_and_carry_their_paths():
    model = models.build("simple_cnn", (1, 8, 8), 3)
    params = from_nn.parameters(model)
    assert list(params) == [k for k, _ in model.named_parameters()]
    assert all(params[k].data is p.data and params[k].name == k for k, p in model.named_parameters())


def test_each_layers_operations_are_scoped_by_its_path():
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    y = from_nn.forward(model, Tensor(np.ones((1, 3), np.float32)))
    assert y.grad_fn.scope == ("1", "ReLU", "forward")
    assert y.grad_fn.next_edges[0][0].scope == ("0", "Linear", "forward")


def test_a_layer_without_a_form_is_named():
    class Mine(nn.Module):
        def forward(self, x):
            return x

    with pytest.raises(ConfigError, match=r"no functional form for layer Mine; known: .*Linear"):
        from_nn.forward(nn.Sequential(Mine()), Tensor(np.ones(2)))
    from_nn.register(Mine, lambda m, x, p, run: x * 2)
    try:
        assert from_nn.forward(nn.Sequential(Mine()), Tensor(np.ones(2))).numpy().tolist() == [2, 2]
    finally:
        del from_nn.FORMS[Mine]
