"""F's functions refuse bad input with a scratchdl error naming the function and both shapes,
never a NumPy traceback from inside an operation."""

import numpy as np
import pytest

from scratchdl.autograd import Tensor
from scratchdl.autograd import functional as F
from scratchdl.errors import ConfigError, DataError, ShapeError


def t(*shape):
    return Tensor(np.ones(shape), requires_grad=True)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: t(2, 3) + t(4), r"Add: shapes \(2, 3\) and \(4,\) do not broadcast"),
    (lambda: t(2, 3) * t(3, 2), r"Mul: shapes \(2, 3\) and \(3, 2\) do not broadcast"),
    (lambda: t(2, 3) @ t(4, 5), r"MatMul: shapes \(2, 3\) @ \(4, 5\): the inner sizes 3 and 4 differ"),
    (lambda: t(3) @ Tensor(np.float64(2)),
     r"MatMul: shapes \(3,\) @ \(\): a product needs at least one axis"),
    (lambda: F.linear(t(2, 3), t(4, 5)),
     r"linear: the input's last axis must be in_features = 4 .* got input \(2, 3\)"),
    (lambda: F.linear(t(2, 3), t(3, 5), t(4)), r"linear: the bias must have shape \(5,\), got \(4,\)"),
    (lambda: F.conv2d(t(1, 2, 5, 5), t(4, 3, 3, 3)),
     r"conv2d: expected input shape \(N, 3, H, W\) for a weight"),
    (lambda: F.conv2d(t(1, 3, 2, 2), t(4, 3, 3, 3)),
     r"conv2d: input \(1, 3, 2, 2\) is smaller than the kernel"),
    (lambda: F.conv2d(t(1, 3, 4, 4), t(4, 3, 3)), r"conv2d: the weight must be 4-D"),
    (lambda: F.max_pool2d(t(1, 3, 4), 2), r"max_pool2d: expected input shape \(N, C, H, W\)"),
    (lambda: F.concatenate([t(2, 3), t(2, 4)], 0),
     r"concatenate: shapes \[\(2, 3\), \(2, 4\)\] differ outside axis 0"),
    (lambda: F.stack([t(2, 3), t(2, 4)]), r"stack: the tensors must have one shape"),
    (lambda: F.where(np.ones(5, bool), t(2, 3), t(3)),
     r"where: the condition \(5,\) and the values \(2, 3\), \(3,\)"),
    (lambda: F.cross_entropy(t(4, 3), np.array([0, 1, 2])),
     r"cross_entropy: expected 4 labels \(one per row\), got 3"),
    (lambda: F.cross_entropy(t(4), np.array([0])),
     r"cross_entropy: expected logits of shape \(N, C\), got \(4,\)"),
    (lambda: F.mse_loss(t(4, 2), t(4, 3)),
     r"mse_loss: expected a target of shape \(4, 2\) \(the prediction's\)"),
    (lambda: F.batch_norm(t(4, 3), np.zeros(2), np.ones(2)),
     r"batch_norm: running_mean must have shape \(3,\)"),
    (lambda: F.sum_to(t(2, 3), (4,)), r"sum_to: a tensor of shape \(2, 3\) cannot be summed to \(4,\)"),
])
def test_shape_mistakes_name_the_function_and_the_shapes(call, message):
    with pytest.raises(ShapeError, match=message):
        call()


def test_value_mistakes():
    with pytest.raises(DataError, match=r"cross_entropy: labels must be in \[0, 2\] for 3 classes, got 3"):
        F.cross_entropy(t(2, 3), np.array([0, 3]))
    with pytest.raises(ConfigError, match=r"dropout: p must be in \[0, 1\), got 1.0"):
        F.dropout(t(2), 1.0)
    with pytest.raises(ConfigError, match="conv2d: stride must be an int >= 1"):
        F.conv2d(t(1, 1, 3, 3), t(1, 1, 2, 2), stride=0)
    with pytest.raises(ConfigError, match="max_pool2d: padding must be at most half the kernel size"):
        F.max_pool2d(t(1, 1, 4, 4), 2, padding=2)
    with pytest.raises(ConfigError, match="gelu: approximate must be 'none' or 'tanh'"):
        F.gelu(t(2), "erf")
    with pytest.raises(ConfigError, match="batch_norm: evaluation"):
        F.batch_norm(t(2, 3))


def test_dropout_is_the_identity_in_evaluation_and_keeps_the_expected_share():
    x = Tensor(np.ones((200, 50), np.float32))
    assert F.dropout(x, 0.5, training=False) is x
    y = F.dropout(x, 0.25, rng=np.random.default_rng(0)).numpy()
    assert set(np.unique(y)) == {0, np.float32(1 / 0.75)} and abs((y > 0).mean() - 0.75) < 0.02
    assert y.dtype == np.float32


def test_batch_norm_updates_the_running_statistics_as_the_layer_does():
    from scratchdl import nn

    x = np.random.default_rng(0).normal(size=(6, 3))
    layer = nn.BatchNorm1d(3, dtype=np.float64)
    layer(x)
    mean, var = np.zeros(3), np.ones(3)
    F.batch_norm(Tensor(x), mean, var, training=True)
    np.testing.assert_allclose(mean, layer.running_mean, rtol=1e-14)
    np.testing.assert_allclose(var, layer.running_var, rtol=1e-14)
