"""Conv2d: gradcheck in float64, PyTorch parity in float32 (forward, dL/dx, dL/dW, dL/db), both
code paths (stride 1: contiguous flat patches, one or many sample blocks; stride > 1: im2col),
errors that name the layer and both shapes, dtype kept, dout never written."""

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

from scratchdl import gradcheck, nn
from scratchdl.errors import ConfigError, DTypeError, ShapeError
from scratchdl.nn.im2col import conv_output_size
from scratchdl.nn.kernels import cpu as cpu_kernels

torch.set_num_threads(1)

EXAMPLES = settings(max_examples=50, deadline=None)


def gen(seed, salt=0):
    return np.random.default_rng((seed, salt, 4242))


@st.composite
def conv_cases(draw, max_size=7):
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    size = tuple(draw(st.integers(max(1, k - 2 * p), max_size)) for k, p in zip(kernel, padding, strict=True))
    channels = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    return dict(n=draw(st.integers(1, 3)), channels=channels, size=size, kernel=kernel, stride=stride,
                padding=padding, bias=draw(st.booleans()), seed=draw(st.integers(0, 2**32 - 1)))


def make(case, dtype):
    c_in, c_out = case["channels"]
    layer = nn.Conv2d(c_in, c_out, case["kernel"], case["stride"], case["padding"], bias=case["bias"],
                      rng=gen(case["seed"], 1), dtype=dtype)
    if case["bias"]:
        layer.bias.data[...] = gen(case["seed"], 2).standard_normal(c_out)
    x = gen(case["seed"], 3).standard_normal((case["n"], c_in, *case["size"])).astype(dtype)
    return layer, x


# hypothesis-drawn cases plus the ones the issue names
REQUIRED = [
    dict(n=2, channels=(2, 3), size=(7, 7), kernel=(3, 3), stride=(2, 2), padding=(1, 1), bias=True, seed=1),
    dict(n=1, channels=(1, 2), size=(5, 6), kernel=(3, 3), stride=(1, 1), padding=(2, 2), bias=True, seed=2),
    dict(n=2, channels=(3, 2), size=(5, 7), kernel=(2, 3), stride=(1, 2), padding=(1, 2), bias=False, seed=3),
    dict(n=2, channels=(2, 2), size=(3, 3), kernel=(4, 1), stride=(2, 1), padding=(2, 0), bias=True, seed=4),
]


def with_examples(test):
    for case in REQUIRED:
        test = example(case=case)(test)
    return test


def flat_pays(layer, x_shape):
    """Whether the CPU strategy runs ``layer`` on inputs of ``x_shape`` in the flat layout."""
    return cpu_kernels.flat_pays(x_shape, layer.kernel_size, layer.stride, layer.padding, layer.input_grad)


# Run the stride-1 path with the whole batch in one block, and with one sample per block.
BLOCKS = pytest.mark.parametrize("block_bytes", [cpu_kernels.PATCH_BLOCK_BYTES, 1],
                                 ids=["one block", "one sample per block"])


# ---- gradients ------------------------------------------------------------------------------------
@EXAMPLES
@given(case=conv_cases())
@with_examples
def test_gradcheck(case):
    layer, x = make(case, np.float64)
    result = gradcheck(layer, x)
    assert set(result.errors) == {"input", "weight", *(["bias"] if case["bias"] else [])}
    assert result.max_error < 1e-6, str(result)


@settings(max_examples=20, deadline=None)
@given(case=conv_cases())
def test_gradcheck_with_one_sample_per_block(case):
    case["n"] = 3
    layer, x = make(case, np.float64)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cpu_kernels, "PATCH_BLOCK_BYTES", 1)
        result = gradcheck(layer, x)
    assert result.max_error < 1e-6, str(result)


# ---- PyTorch parity ------------------------------------------------------------------------------
def torch_twin(layer):
    (kh, kw), c_in, c_out = layer.kernel_size, layer.in_channels, layer.out_channels
    twin = torch.nn.Conv2d(c_in, c_out, (kh, kw), layer.stride, layer.padding, bias=layer.bias is not None)
    with torch.no_grad():
        twin.weight.copy_(torch.from_numpy(layer.weight.data))
        if layer.bias is not None:
            twin.bias.copy_(torch.from_numpy(layer.bias.data))
    return twin


def close(actual, expected):
    expected = expected.detach().numpy() if isinstance(expected, torch.Tensor) else expected
    assert actual.dtype == np.float32
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6 * max(1.0, np.abs(expected).max()))


def assert_parity(layer, x, seed):
    twin = torch_twin(layer)
    y = layer(x)
    dout = gen(seed, 5).standard_normal(y.shape).astype(np.float32)
    dout_before = dout.copy()
    dx = layer.backward(dout)
    np.testing.assert_array_equal(dout, dout_before)   # backward never writes into dout
    tx = torch.from_numpy(x.copy()).requires_grad_(True)
    ty = twin(tx)
    ty.backward(torch.from_numpy(dout))
    close(y, ty)
    close(dx, tx.grad)
    close(layer.weight.grad, twin.weight.grad)
    if layer.bias is not None:
        close(layer.bias.grad, twin.bias.grad)


@BLOCKS
@EXAMPLES
@given(case=conv_cases(max_size=9))
@with_examples
def test_matches_pytorch_float32(case, block_bytes):
    layer, x = make(case, np.float32)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cpu_kernels, "PATCH_BLOCK_BYTES", block_bytes)
        assert_parity(layer, x, case["seed"])


@EXAMPLES
@given(case=conv_cases(max_size=9))
@with_examples
def test_without_input_grad_matches_pytorch_and_returns_none(case):
    """A first layer (``requires_input_grad(False)``) takes the per-sample path at any stride;
    its output and parameter gradients still equal PyTorch's."""
    layer, x = make(case, np.float32)
    layer.input_grad = False
    assert not flat_pays(layer, x.shape)
    twin = torch_twin(layer)
    y = layer(x)
    dout = gen(case["seed"], 5).standard_normal(y.shape).astype(np.float32)
    assert layer.backward(dout) is None
    ty = twin(torch.from_numpy(x.copy()))
    ty.backward(torch.from_numpy(dout))
    close(y, ty)
    close(layer.weight.grad, twin.weight.grad)
    if layer.bias is not None:
        close(layer.bias.grad, twin.bias.grad)


@pytest.mark.parametrize("c_in, c_out, kernel, padding, size, flat", [
    (1, 30, 5, 0, 28, False),   # W3's convolution: 36% of the flat layout's columns wasted: per sample
    (1, 16, 3, 1, 28, True),    # W4's first: flat layout, more output channels (col2im backward)
    (16, 16, 3, 1, 14, True),   # flat layout, as many channels (correlation backward)
    (16, 32, 3, 1, 7, False),   # small images waste 31% in the flat layout: per sample
])
@BLOCKS
def test_matches_pytorch_on_benchmark_shapes(c_in, c_out, kernel, padding, size, flat, block_bytes,
                                             monkeypatch):
    monkeypatch.setattr(cpu_kernels, "PATCH_BLOCK_BYTES", block_bytes)
    layer = nn.Conv2d(c_in, c_out, kernel, padding=padding, rng=gen(0, 1))
    layer.bias.data[...] = gen(0, 2).standard_normal(c_out)
    x = gen(0, 3).standard_normal((4, c_in, size, size)).astype(np.float32)
    assert flat_pays(layer, x.shape) == flat
    assert_parity(layer, x, 0)


def test_gradients_accumulate_over_two_backward_calls():
    layer, x = make(REQUIRED[0], np.float64)
    dout = gen(0, 9).standard_normal(layer(x).shape)
    layer.backward(dout)
    once = layer.weight.grad.copy(), layer.bias.grad.copy()
    layer(x)
    layer.backward(dout)
    np.testing.assert_allclose(layer.weight.grad, 2 * once[0])
    np.testing.assert_allclose(layer.bias.grad, 2 * once[1])


# ---- shapes, dtypes, bookkeeping ----------------------------------------------------------------
def test_output_shape_dtype_and_parameters():
    layer = nn.Conv2d(3, 8, (3, 5), stride=(2, 1), padding=(1, 2))
    assert layer.weight.shape == (8, 3, 3, 5) and layer.bias.shape == (8,)
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    x = np.zeros((2, 3, 9, 10), np.float32)
    y = layer(x)
    assert y.shape == (2, 8, conv_output_size(9, 3, 2, 1), conv_output_size(10, 5, 1, 2)) == (2, 8, 5, 10)
    assert y.dtype == np.float32
    assert layer.backward(np.ones_like(y)).dtype == np.float32
    assert layer.weight.grad.dtype == np.float32
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]
    assert nn.Conv2d(3, 8, 3, bias=False).bias is None
    assert nn.Convolution is nn.Conv2d


def test_he_normal_initialization_uses_the_kernel_fan_in():
    layer = nn.Conv2d(16, 64, 3, rng=np.random.default_rng(0))
    np.testing.assert_allclose(layer.weight.data.std(), np.sqrt(2 / (16 * 9)), rtol=0.05)


def test_macs_and_summary():
    layer = nn.Conv2d(3, 8, 3, padding=1)
    assert layer.macs((1, 3, 10, 12), (1, 8, 10, 12)) == 8 * 10 * 12 * 3 * 3 * 3
    table = nn.summary(nn.Sequential(layer, nn.ReLU()), (3, 10, 12))
    assert table.total_macs == 8 * 10 * 12 * 3 * 3 * 3
    assert table.total_params == 8 * 3 * 9 + 8
    assert table.rows[0].output_shape == (None, 8, 10, 12)


def test_name_shows_the_arguments():
    assert nn.Conv2d(3, 8, kernel_size=3).name() == "Conv2d(3, 8, kernel_size=3)"
    assert (nn.Conv2d(3, 8, (3, 5), stride=2, padding=(1, 2), bias=False).name()
            == "Conv2d(3, 8, kernel_size=(3, 5), stride=2, padding=(1, 2), bias=False)")


# ---- errors --------------------------------------------------------------------------------------
def test_wrong_input_channels():
    with pytest.raises(ShapeError) as err:
        nn.Conv2d(3, 8, kernel_size=3)(np.zeros((2, 1, 28, 28), np.float32))
    message = str(err.value)
    assert "Conv2d(3, 8, kernel_size=3)" in message
    assert "(N, 3, H, W)" in message and "(2, 1, 28, 28)" in message


def test_image_smaller_than_the_kernel():
    with pytest.raises(ShapeError) as err:
        nn.Conv2d(3, 8, kernel_size=5, padding=1)(np.zeros((2, 3, 2, 9), np.float32))
    message = str(err.value)
    assert "Conv2d(3, 8, kernel_size=5, padding=1)" in message
    assert "(2, 3, 2, 9)" in message and "smaller than the kernel" in message
    assert "H + 2*1 >= 5" in message and "H=2" in message


@pytest.mark.parametrize("shape", [(3, 28, 28), (2, 3, 28, 28, 1), (28,)])
def test_non_4d_input(shape):
    with pytest.raises(ShapeError) as err:
        nn.Conv2d(3, 8, kernel_size=3)(np.zeros(shape, np.float32))
    message = str(err.value)
    assert "Conv2d(3, 8, kernel_size=3)" in message
    assert "(N, 3, H, W)" in message and str(shape) in message


def test_wrong_dtype_and_bad_options():
    with pytest.raises(DTypeError, match="Conv2d"):
        nn.Conv2d(1, 2, 3)(np.zeros((1, 1, 5, 5), np.float64))
    with pytest.raises(ConfigError, match="kernel_size"):
        nn.Conv2d(1, 2, 0)
    with pytest.raises(ConfigError, match="stride"):
        nn.Conv2d(1, 2, 3, stride=(1, 0))
    with pytest.raises(ConfigError, match="padding"):
        nn.Conv2d(1, 2, 3, padding=-1)


def test_backward_before_forward():
    from scratchdl.errors import StateError

    with pytest.raises(StateError, match="Conv2d"):
        nn.Conv2d(1, 2, 3).backward(np.zeros((1, 2, 3, 3), np.float32))
