"""The optimizers train autograd Tensors unchanged: the same updates as for nn Parameters."""

import numpy as np
import pytest

from scratchdl import nn, optim
from scratchdl.autograd import Tensor
from scratchdl.errors import ConfigError

OPTIMIZERS = [lambda p: optim.SGD(p, lr=0.1), lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
              lambda p: optim.Momentum(p, lr=0.1), lambda p: optim.AdaGrad(p, lr=0.1),
              lambda p: optim.RMSProp(p, lr=0.01), lambda p: optim.Adam(p, lr=0.01, weight_decay=0.1),
              lambda p: optim.AdamW(p, lr=0.01)]


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_three_steps_on_tensors_equal_three_steps_on_parameters(make):
    rng = np.random.default_rng(0)
    start, grads = rng.normal(size=(3, 2)), [rng.normal(size=(3, 2)) for _ in range(3)]
    parameter, tensor = nn.Parameter(start.copy()), Tensor(start.copy(), requires_grad=True)
    by_parameter, by_tensor = make([parameter]), make([tensor])
    versions = [tensor.version]
    for g in grads:
        by_parameter.zero_grad()
        parameter.grad += g
        by_parameter.step()
        by_tensor.zero_grad()
        (tensor * Tensor(g)).sum().backward()
        by_tensor.step()
        versions.append(tensor.version)
    np.testing.assert_array_equal(tensor.numpy(), parameter.data)
    assert versions == sorted(set(versions))        # each step changes the tensor in place


def test_a_tensor_without_gradient_is_skipped_and_one_without_requires_grad_refused():
    t = Tensor(np.ones(2), requires_grad=True)
    opt = optim.SGD([t], lr=0.1)
    opt.step()                                       # no backward yet: grad is None, nothing moves
    assert t.numpy().tolist() == [1, 1]
    expected = r"expected Parameters \(model.parameters\(\)\), got Tensor without requires_grad"
    with pytest.raises(ConfigError, match=expected):
        optim.SGD([Tensor(np.ones(2))], lr=0.1)
