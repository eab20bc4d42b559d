"""MaxPool2d, AvgPool2d, GlobalAvgPool2d: gradcheck in float64, PyTorch parity in float32
(ties in max pooling included), PyTorch's output sizes and defaults, errors."""

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

from scratchdl import gradcheck, nn
from scratchdl.errors import ConfigError, ShapeError

torch.set_num_threads(1)

EXAMPLES = settings(max_examples=50, deadline=None)
POOLS = {"max": (nn.MaxPool2d, torch.nn.MaxPool2d), "avg": (nn.AvgPool2d, torch.nn.AvgPool2d)}


def gen(seed, salt=0):
    return np.random.default_rng((seed, salt, 777))


@st.composite
def pool_cases(draw):
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = draw(st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    padding = (draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2)))
    size = tuple(draw(st.integers(max(1, k - 2 * p), 9)) for k, p in zip(kernel, padding, strict=True))
    return dict(shape=(draw(st.integers(1, 2)), draw(st.integers(1, 3)), *size), kernel=kernel,
                stride=stride, padding=padding, seed=draw(st.integers(0, 2**32 - 1)))


REQUIRED = [
    dict(shape=(2, 3, 7, 7), kernel=(3, 3), stride=(2, 2), padding=(1, 1), seed=1),   # AlexNet's pool
    dict(shape=(2, 2, 8, 9), kernel=(4, 4), stride=(2, 3), padding=(2, 2), seed=2),
    dict(shape=(1, 2, 5, 7), kernel=(2, 3), stride=None, padding=(1, 0), seed=3),     # non-square, odd
    dict(shape=(2, 2, 6, 6), kernel=(2, 2), stride=None, padding=(0, 0), seed=4),     # tiles exactly
]


def with_examples(test):
    for case in REQUIRED:
        test = example(case=case)(test)
    return test


def make(kind, case, dtype):
    layer = POOLS[kind][0](case["kernel"], case["stride"], case["padding"])
    x = gen(case["seed"], 1).standard_normal(case["shape"]).astype(dtype)
    return layer, x


@pytest.mark.parametrize("kind", ["max", "avg"])
@EXAMPLES
@given(case=pool_cases())
@with_examples
def test_gradcheck(kind, case):
    layer, x = make(kind, case, np.float64)
    result = gradcheck(layer, x)
    assert result.max_error < 1e-6, str(result)


def assert_parity(layer, twin, x, seed):
    y = layer(x)
    dout = gen(seed, 2).standard_normal(y.shape).astype(np.float32)
    before = dout.copy()
    dx = layer.backward(dout)
    np.testing.assert_array_equal(dout, before)
    tx = torch.from_numpy(x.copy()).requires_grad_(True)
    ty = twin(tx)
    ty.backward(torch.from_numpy(dout))
    assert y.dtype == np.float32 and dx.dtype == np.float32
    assert y.shape == tuple(ty.shape) and dx.shape == x.shape
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", ["max", "avg"])
@EXAMPLES
@given(case=pool_cases())
@with_examples
def test_matches_pytorch_float32(kind, case):
    layer, x = make(kind, case, np.float32)
    stride = case["stride"]
    twin = POOLS[kind][1](case["kernel"], stride, case["padding"])
    assert_parity(layer, twin, x, case["seed"])


@EXAMPLES
@given(case=pool_cases())
@with_examples
def test_max_pool_ties_go_to_the_first_maximum_as_in_pytorch(case):
    layer, x = make("max", case, np.float32)
    x = np.round(np.maximum(x, 0))          # after a ReLU: many zeros and equal values in a window
    twin = torch.nn.MaxPool2d(case["kernel"], case["stride"], case["padding"])
    assert_parity(layer, twin, x, case["seed"])


def test_stride_defaults_to_kernel_and_padding_counts_in_the_size():
    x = np.arange(2 * 3 * 7 * 9, dtype=np.float32).reshape(2, 3, 7, 9)
    assert nn.MaxPool2d(2)(x).shape == (2, 3, 3, 4)
    assert nn.MaxPool2d(2).stride == (2, 2)
    assert nn.MaxPool2d(3, stride=2, padding=1)(x).shape == (2, 3, 4, 5)
    assert nn.AvgPool2d(3, stride=2, padding=1)(x).shape == (2, 3, 4, 5)
    assert nn.Pooling is nn.MaxPool2d


def test_avg_pool_counts_padding_in_the_mean():
    x = np.ones((1, 1, 2, 2), np.float32)
    y = nn.AvgPool2d(2, stride=2, padding=1)(x)
    np.testing.assert_allclose(y, np.full((1, 1, 2, 2), 0.25, np.float32))


def test_max_pool_values_by_hand():
    x = np.array([[[[1, 5, 2, 0], [3, 4, 8, 1], [0, 0, 9, 9], [0, 0, 9, 7]]]], np.float32)
    layer = nn.MaxPool2d(2)
    np.testing.assert_array_equal(layer(x), [[[[5, 8], [0, 9]]]])
    dx = layer.backward(np.array([[[[1, 2], [3, 4]]]], np.float32))
    np.testing.assert_array_equal(dx, [[[[0, 1, 0, 0], [0, 0, 2, 0], [3, 0, 4, 0], [0, 0, 0, 0]]]])


def test_max_pool_backward_needs_only_its_argmax_not_the_input():
    """Forward keeps the offset of each maximum, not the input: changing the input afterwards (or
    freeing it) leaves the gradient as it was."""
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 6)).astype(np.float32)
    dout = np.random.default_rng(1).standard_normal((2, 3, 3, 3)).astype(np.float32)
    expected = _max_pool_grad(x.copy(), dout)
    layer = nn.MaxPool2d(2)
    layer(x)
    x[...] = 0
    np.testing.assert_array_equal(layer.backward(dout), expected)


def _max_pool_grad(x, dout):
    layer = nn.MaxPool2d(2)
    layer(x)
    return layer.backward(dout)


def test_max_pool_propagates_nan_as_pytorch():
    x = np.array([[[[1, np.nan], [3, 4]]]], np.float32)
    assert np.isnan(nn.MaxPool2d(2)(x)).all()
    assert torch.isnan(torch.nn.MaxPool2d(2)(torch.from_numpy(x))).all()


@settings(max_examples=50, deadline=None)
@given(shape=st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(1, 5), st.integers(1, 5)),
       seed=st.integers(0, 2**32 - 1))
def test_global_avg_pool(shape, seed):
    x = gen(seed, 3).standard_normal(shape)
    assert gradcheck(nn.GlobalAvgPool2d(), x).max_error < 1e-6
    layer = nn.GlobalAvgPool2d()
    x32 = x.astype(np.float32)
    y = layer(x32)
    assert y.shape == shape[:2] and y.dtype == np.float32
    dout = gen(seed, 4).standard_normal(y.shape).astype(np.float32)
    dx = layer.backward(dout)
    tx = torch.from_numpy(x32.copy()).requires_grad_(True)
    ty = torch.nn.AdaptiveAvgPool2d(1)(tx).flatten(1)
    ty.backward(torch.from_numpy(dout))
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-5, atol=1e-6)
    assert dx.dtype == np.float32 and dx.flags.writeable


@pytest.mark.parametrize("layer", [nn.MaxPool2d(2), nn.AvgPool2d(2)])
def test_errors_name_the_layer_and_the_shapes(layer):
    with pytest.raises(ShapeError) as err:
        layer(np.zeros((2, 8, 8), np.float32))
    assert type(layer).__name__ in str(err.value) and "(2, 8, 8)" in str(err.value)
    with pytest.raises(ShapeError) as err:
        layer(np.zeros((2, 1, 1, 8), np.float32))
    assert "(2, 1, 1, 8)" in str(err.value) and "H + 2*0 >= 2" in str(err.value)


def test_bad_options():
    with pytest.raises(ConfigError, match="padding"):
        nn.MaxPool2d(2, padding=2)
    with pytest.raises(ConfigError, match="kernel_size"):
        nn.AvgPool2d(0)
    with pytest.raises(ShapeError, match="GlobalAvgPool2d"):
        nn.GlobalAvgPool2d()(np.zeros((2, 3), np.float32))
