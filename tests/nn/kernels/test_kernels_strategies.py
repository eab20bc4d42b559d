"""Every strategy of ``nn.kernels`` (the GPU's whole-batch one forced on NumPy, and its CUDA kernels
compiled as C) against the reference im2col and against PyTorch, forward and backward, on shapes
drawn by hypothesis: convolution with stride, padding, no bias and no input gradient; max and
average pooling with padding, odd sizes and ties; gradient checks in float64 through each."""

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st
from strategies import GPU_LIKE, NAMES, placed, running

from scratchdl import gradcheck, nn
from scratchdl.backend import to_numpy
from scratchdl.nn.kernels import batch, cuda

torch.set_num_threads(1)

EXAMPLES = settings(max_examples=25, deadline=None)


def gen(seed, salt=0):
    return np.random.default_rng((seed, salt, 1414))


@st.composite
def conv_cases(draw, max_size=8):
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    size = tuple(draw(st.integers(max(1, k - 2 * p), max_size)) for k, p in zip(kernel, padding, strict=True))
    return dict(n=draw(st.integers(1, 3)), channels=(draw(st.integers(1, 3)), draw(st.integers(1, 4))),
                size=size, kernel=kernel, stride=(draw(st.integers(1, 3)), draw(st.integers(1, 2))),
                padding=padding, bias=draw(st.booleans()), input_grad=draw(st.booleans()),
                seed=draw(st.integers(0, 2**32 - 1)))


CONV_REQUIRED = [
    dict(n=2, channels=(2, 3), size=(7, 7), kernel=(3, 3), stride=(2, 2), padding=(1, 1), bias=True,
         input_grad=True, seed=1),
    dict(n=3, channels=(3, 2), size=(5, 9), kernel=(2, 3), stride=(1, 2), padding=(1, 2), bias=False,
         input_grad=True, seed=2),
    dict(n=1, channels=(1, 4), size=(6, 5), kernel=(5, 5), stride=(1, 1), padding=(0, 0), bias=True,
         input_grad=False, seed=3),
]


def conv_examples(test):
    for case in CONV_REQUIRED:
        test = example(case=case)(test)
    return test


def make_conv(case, dtype):
    c_in, c_out = case["channels"]
    layer = nn.Conv2d(c_in, c_out, case["kernel"], case["stride"], case["padding"], bias=case["bias"],
                      rng=gen(case["seed"], 1), dtype=dtype)
    if case["bias"]:
        layer.bias.data[...] = gen(case["seed"], 2).standard_normal(c_out)
    layer.input_grad = case["input_grad"]
    x = gen(case["seed"], 3).standard_normal((case["n"], c_in, *case["size"])).astype(dtype)
    return layer, x


def run_layer(layer, x, name, seed):
    """Forward and backward under strategy ``name`` (on its device; the layer is back on the host
    afterwards): y, dx, the parameter gradients and the upstream gradient, as NumPy arrays."""
    layer.zero_grad()
    dout = None
    with running(name):
        layer, x_there = placed(name, layer, x)
        try:
            y = layer(x_there)
            dout = gen(seed, 5).standard_normal(y.shape).astype(x.dtype)
            (dout_there,) = placed(name, layer, dout)[1:]
            dx = layer.backward(dout_there)
            np.testing.assert_array_equal(to_numpy(dout_there), dout)    # backward never writes into dout
            grads = {n: to_numpy(p.grad).copy() for n, p in layer.named_parameters()}
        finally:
            if name == "cuda":
                layer.to(device="cpu")
    return to_numpy(y), None if dx is None else to_numpy(dx), grads, dout


def close(actual, expected, tol):
    expected = expected.detach().numpy() if isinstance(expected, torch.Tensor) else expected
    assert actual.shape == expected.shape and actual.dtype == expected.dtype
    scale = max(1.0, float(np.abs(expected).max(initial=0.0)))
    np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol * scale)


# ---- convolution -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
@EXAMPLES
@given(case=conv_cases())
@conv_examples
def test_conv_matches_pytorch_float32(name, case):
    layer, x = make_conv(case, np.float32)
    y, dx, grads, dout = run_layer(layer, x, name, case["seed"])
    twin = torch.nn.Conv2d(*case["channels"], case["kernel"], case["stride"], case["padding"],
                           bias=case["bias"])
    with torch.no_grad():
        twin.weight.copy_(torch.from_numpy(layer.weight.data))
        if case["bias"]:
            twin.bias.copy_(torch.from_numpy(layer.bias.data))
    tx = torch.from_numpy(x.copy()).requires_grad_(case["input_grad"])
    ty = twin(tx)
    ty.backward(torch.from_numpy(dout))
    close(y, ty, 1e-5)
    if case["input_grad"]:
        close(dx, tx.grad, 1e-5)
    else:
        assert dx is None
    close(grads["weight"], twin.weight.grad, 1e-5)
    if case["bias"]:
        close(grads["bias"], twin.bias.grad, 1e-5)


@pytest.mark.parametrize("name", [n for n in NAMES if n != "reference"])
@EXAMPLES
@given(case=conv_cases())
@conv_examples
def test_conv_matches_the_reference_float64(name, case):
    layer, x = make_conv(case, np.float64)
    expected = run_layer(layer, x, "reference", case["seed"])
    actual = run_layer(layer, x, name, case["seed"])
    close(actual[0], expected[0], 1e-12)
    if case["input_grad"]:
        close(actual[1], expected[1], 1e-12)
    for key in expected[2]:
        close(actual[2][key], expected[2][key], 1e-12)


@pytest.mark.parametrize("name", GPU_LIKE)
@settings(max_examples=15, deadline=None)
@given(case=conv_cases(max_size=6))
@conv_examples
def test_conv_gradcheck(name, case):
    case = {**case, "input_grad": True}
    layer, x = make_conv(case, np.float64)
    with running(name):
        result = gradcheck(placed(name, layer)[0], x)
    assert result.max_error < 1e-6, str(result)


@pytest.mark.parametrize("name", GPU_LIKE)
def test_conv_in_chunks_equals_one_pass(name, monkeypatch):
    """A batch whose patch matrix passes CHUNK_BYTES runs in chunks of samples; same numbers."""
    case = dict(CONV_REQUIRED[0], n=5)
    layer, x = make_conv(case, np.float64)
    whole = run_layer(layer, x, name, 7)
    monkeypatch.setattr(batch, "CHUNK_BYTES", 1)
    assert len(batch._chunks(5, 100)) == 5
    chunked = run_layer(layer, x, name, 7)
    for a, b in zip(whole[:2], chunked[:2], strict=True):
        close(b, a, 1e-12)
    for key in whole[2]:
        close(chunked[2][key], whole[2][key], 1e-12)


def test_chunks_cover_the_batch_in_equal_parts():
    assert batch._chunks(10, 1) == [(0, 10)]
    budget = batch.CHUNK_BYTES
    assert batch._chunks(10, budget // 4) == [(0, 4), (4, 8), (8, 10)]   # 3 chunks of <= 4
    assert batch._chunks(3, budget * 10) == [(0, 1), (1, 2), (2, 3)]     # one sample at least


# ---- pooling -----------------------------------------------------------------------------------
POOLS = {"max": (nn.MaxPool2d, torch.nn.MaxPool2d), "avg": (nn.AvgPool2d, torch.nn.AvgPool2d)}


@st.composite
def pool_cases(draw):
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = draw(st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    padding = (draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2)))
    size = tuple(draw(st.integers(max(1, k - 2 * p), 9)) for k, p in zip(kernel, padding, strict=True))
    return dict(shape=(draw(st.integers(1, 3)), draw(st.integers(1, 3)), *size), kernel=kernel,
                stride=stride, padding=padding, ties=draw(st.booleans()),
                seed=draw(st.integers(0, 2**32 - 1)))


POOL_REQUIRED = [
    dict(shape=(2, 3, 7, 7), kernel=(3, 3), stride=(2, 2), padding=(1, 1), ties=False, seed=1),
    dict(shape=(2, 2, 8, 9), kernel=(4, 4), stride=(2, 3), padding=(2, 2), ties=True, seed=2),
    dict(shape=(1, 2, 5, 7), kernel=(2, 3), stride=None, padding=(1, 0), ties=True, seed=3),
    dict(shape=(3, 2, 6, 6), kernel=(2, 2), stride=None, padding=(0, 0), ties=False, seed=4),
]


def pool_examples(test):
    for case in POOL_REQUIRED:
        test = example(case=case)(test)
    return test


def pool_input(case, dtype):
    x = gen(case["seed"], 1).standard_normal(case["shape"])
    if case["ties"]:
        x = np.round(np.maximum(x, 0))     # after a ReLU: many zeros and equal values in a window
    return x.astype(dtype)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("name", NAMES)
@EXAMPLES
@given(case=pool_cases())
@pool_examples
def test_pool_matches_pytorch_float32(name, kind, case):
    ours, theirs = POOLS[kind]
    layer = ours(case["kernel"], case["stride"], case["padding"])
    x = pool_input(case, np.float32)
    y, dx, _, dout = run_layer(layer, x, name, case["seed"])
    tx = torch.from_numpy(x.copy()).requires_grad_(True)
    ty = theirs(case["kernel"], case["stride"], case["padding"])(tx)
    ty.backward(torch.from_numpy(dout))
    close(y, ty, 1e-6)
    close(dx, tx.grad, 1e-6)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("name", [n for n in NAMES if n != "reference"])
@EXAMPLES
@given(case=pool_cases())
@pool_examples
def test_pool_matches_the_reference_float64(name, kind, case):
    layer = POOLS[kind][0](case["kernel"], case["stride"], case["padding"])
    x = pool_input(case, np.float64)
    expected = run_layer(layer, x, "reference", case["seed"])
    actual = run_layer(layer, x, name, case["seed"])
    close(actual[0], expected[0], 1e-12)
    close(actual[1], expected[1], 1e-12)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("name", GPU_LIKE)
@settings(max_examples=15, deadline=None)
@given(case=pool_cases())
@pool_examples
def test_pool_gradcheck(name, kind, case):
    layer = POOLS[kind][0](case["kernel"], case["stride"], case["padding"])
    x = gen(case["seed"], 1).standard_normal(case["shape"])   # no ties: max is differentiable
    with running(name):
        (x_there,) = placed(name, layer, x)[1:]
        result = gradcheck(layer, x_there)
    assert result.max_error < 1e-6, str(result)


@pytest.mark.parametrize("name", NAMES)
def test_max_pool_propagates_nan(name):
    x = np.array([[[[1, np.nan, 0], [3, 4, 0], [0, 0, 7]]]], np.float32)
    y, dx, _, dout = run_layer(nn.MaxPool2d(2, stride=1), x, name, 0)
    assert np.isnan(y[0, 0, 0]).all() and y[0, 0, 1, 1] == 7
    assert dx.shape == x.shape and dx[0, 0, 2, 2] == dout[0, 0, 1, 1]     # 7 is that window's max


def test_max_pool_argmax_dtype_holds_large_kernels():
    """More than 256 offsets do not fit uint8: the argmax is int32 there."""
    x = gen(0).standard_normal((1, 1, 17, 17)).astype(np.float32)
    layer = nn.MaxPool2d(17)
    with running("batch"):
        y = layer(x)
        dx = layer.backward(np.ones_like(y))
    assert layer._cache[1][0].dtype == np.int32
    assert dx.reshape(-1).argmax() == x.reshape(-1).argmax() and dx.sum() == 1


@pytest.mark.parametrize("kind", ["conv", "max", "avg"])
def test_the_64_bit_builds_of_the_cuda_kernels_give_the_same_numbers(kind, monkeypatch):
    """Positions are ``int`` for arrays under 2^31 entries, ``long long`` above: with the limit
    lowered, the 64-bit builds run (compiled as C) and must give the same results."""
    layer = nn.Conv2d(2, 3, 3, stride=2, padding=1, dtype=np.float64) if kind == "conv" else \
        POOLS[kind][0](3, 2, 1)
    x = gen(0).standard_normal((2, 2, 7, 8))
    narrow = run_layer(layer, x, "batch-cuda-as-c", 0)
    monkeypatch.setattr(cuda, "INT32_LIMIT", 0)
    assert cuda.index_type(x) == "long long"
    wide = run_layer(layer, x, "batch-cuda-as-c", 0)
    for a, b in zip(narrow[:2], wide[:2], strict=True):
        np.testing.assert_array_equal(a, b)
