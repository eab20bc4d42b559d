"""BatchNorm2d (per channel, PyTorch's momentum, eps and running statistics) and Dropout2d
(whole feature maps dropped, inverted scaling, identity in eval)."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from scratchdl import gradcheck, nn
from scratchdl.errors import ShapeError

torch.set_num_threads(1)

EXAMPLES = settings(max_examples=50, deadline=None)
shapes = st.tuples(st.integers(2, 4), st.integers(1, 4), st.integers(1, 5), st.integers(1, 5))
seeds = st.integers(0, 2**32 - 1)


def gen(seed, salt=0):
    return np.random.default_rng((seed, salt, 2024))


def make(shape, seed, dtype, momentum=0.1):
    layer = nn.BatchNorm2d(shape[1], momentum=momentum, dtype=dtype)
    layer.weight.data[...] = gen(seed, 1).uniform(0.5, 1.5, shape[1])
    layer.bias.data[...] = gen(seed, 2).standard_normal(shape[1])
    return layer


@EXAMPLES
@given(shape=shapes, seed=seeds, training=st.booleans())
def test_gradcheck_train_and_eval(shape, seed, training):
    layer = make(shape, seed, np.float64)
    layer.running_mean[...] = gen(seed, 3).standard_normal(shape[1])
    layer.running_var[...] = gen(seed, 4).uniform(0.5, 2.0, shape[1])
    layer.train(training)
    x = gen(seed, 5).standard_normal(shape) * 2 + 1
    result = gradcheck(layer, x)
    assert result.max_error < 1e-6, str(result)


def torch_twin(layer):
    twin = torch.nn.BatchNorm2d(layer.num_features, eps=layer.eps, momentum=layer.momentum)
    with torch.no_grad():
        twin.weight.copy_(torch.from_numpy(layer.weight.data))
        twin.bias.copy_(torch.from_numpy(layer.bias.data))
    return twin


def close(actual, expected, scale=1.0):
    """Within 1e-5 relative; the absolute floor is 1e-6 of the larger of ``scale`` and |expected|."""
    expected = expected.detach().numpy() if isinstance(expected, torch.Tensor) else np.asarray(expected)
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=1e-5,
                               atol=1e-6 * max(1.0, scale, np.abs(expected).max()))


@EXAMPLES
@given(shape=shapes, seed=seeds, momentum=st.sampled_from([0.1, 0.5, 0.01]))
def test_matches_pytorch_over_several_train_steps_then_eval(shape, seed, momentum):
    layer = make(shape, seed, np.float32, momentum)
    twin = torch_twin(layer)
    for step in range(3):
        layer.zero_grad()
        twin.zero_grad()
        x = (gen(seed, 10 + step).standard_normal(shape) * 3 + 2).astype(np.float32)
        dout = gen(seed, 20 + step).standard_normal(shape).astype(np.float32)
        before = dout.copy()
        y = layer(x)
        dx = layer.backward(dout)
        np.testing.assert_array_equal(dout, before)
        tx = torch.from_numpy(x).requires_grad_(True)
        ty = twin(tx)
        ty.backward(torch.from_numpy(dout))
        assert y.dtype == np.float32 and dx.dtype == np.float32
        close(y, ty)
        # dx = gamma/sigma (delta - mean delta - x_hat mean(delta x_hat)) cancels terms of size
        # |delta| gamma/sigma (to zero when a channel has 2 values); float32 rounds relative to them
        terms = np.abs(dout).max() * np.max(layer.weight.data / np.sqrt(x.var(axis=(0, 2, 3)) + 1e-5))
        close(dx, tx.grad, scale=terms)
        # dgamma = sum(delta x_hat), dbeta = sum(delta) over N*H*W terms that may cancel: float32
        # rounds relative to the sum of their sizes, not to the result
        axes = (0, 2, 3)
        x_hat = (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(x.var(axis=axes, keepdims=True) + 1e-5)
        close(layer.weight.grad, twin.weight.grad, scale=np.abs(dout * x_hat).sum(axis=axes).max())
        close(layer.bias.grad, twin.bias.grad, scale=np.abs(dout).sum(axis=axes).max())
        close(layer.running_mean, twin.running_mean)
        close(layer.running_var, twin.running_var)
        assert int(layer.num_batches_tracked) == int(twin.num_batches_tracked) == step + 1
    layer.eval()
    twin.eval()
    x = gen(seed, 30).standard_normal(shape).astype(np.float32)
    dout = gen(seed, 31).standard_normal(shape).astype(np.float32)
    y = layer(x)
    dx = layer.backward(dout)
    tx = torch.from_numpy(x).requires_grad_(True)
    ty = twin(tx)
    ty.backward(torch.from_numpy(dout))
    close(y, ty)
    close(dx, tx.grad)
    assert int(layer.num_batches_tracked) == 3        # eval does not count or update


def test_statistics_are_per_channel_and_state_dict_names_match_pytorch():
    x = np.zeros((4, 2, 3, 3), np.float32)
    x[:, 0] = np.arange(4)[:, None, None]                 # channel 0 varies over the batch only
    x[:, 1] = 5.0
    layer = nn.BatchNorm2d(2)
    y = layer(x)
    np.testing.assert_allclose(y[:, 0].mean(), 0, atol=1e-6)
    np.testing.assert_allclose(y[:, 0].std(), 1, atol=1e-4)
    np.testing.assert_allclose(y[:, 1], 0, atol=1e-6)
    assert layer.running_var.dtype == np.float32
    np.testing.assert_allclose(layer.running_var, [0.9 + 0.1 * np.var(np.arange(4).repeat(9), ddof=1), 0.9])
    assert sorted(layer.state_dict()) == sorted(torch.nn.BatchNorm2d(2).state_dict())


def test_batchnorm2d_rejects_other_shapes():
    with pytest.raises(ShapeError, match="BatchNorm2d"):
        nn.BatchNorm2d(3)(np.zeros((2, 3), np.float32))
    with pytest.raises(ShapeError, match=r"\(2, 4, 5, 5\)"):
        nn.BatchNorm2d(3)(np.zeros((2, 4, 5, 5), np.float32))


# ---- Dropout2d ------------------------------------------------------------------------------------
def test_dropout2d_drops_whole_channels_and_scales_the_rest():
    layer = nn.Dropout2d(0.5, rng=np.random.default_rng(0))
    x = np.ones((64, 16, 3, 3), np.float32)
    y = layer(x)
    assert y.dtype == np.float32
    per_map = y.reshape(64, 16, 9)
    assert np.all(per_map == per_map[:, :, :1])             # each map all kept or all dropped
    assert set(np.unique(y)) == {0.0, 2.0}
    assert 0.4 < (per_map[:, :, 0] == 0).mean() < 0.6
    dout = np.full_like(x, 3.0)
    dx = layer.backward(dout)
    np.testing.assert_array_equal(dx, 3.0 * y)                # the same mask and scale
    np.testing.assert_array_equal(dout, 3.0)
    layer.eval()
    np.testing.assert_array_equal(layer(x), x)


@settings(max_examples=50, deadline=None)
@given(shape=shapes, seed=seeds)
def test_dropout2d_gradcheck(shape, seed):
    layer = nn.Dropout2d(0.3, rng=np.random.default_rng(seed))
    result = gradcheck(layer, gen(seed, 1).standard_normal(shape))
    assert result.max_error < 1e-6, str(result)


def test_dropout2d_rejects_non_4d():
    with pytest.raises(ShapeError, match="Dropout2d"):
        nn.Dropout2d(0.5)(np.zeros((2, 3), np.float32))
