"""Initializers by name: the documented mean and standard deviation on a large sample, the dtype
requested, and a clear error for an unknown name."""

import math

import numpy as np
import pytest

import scratchdl
from scratchdl import nn
from scratchdl.errors import ConfigError
from scratchdl.nn import init

FAN_IN, FAN_OUT = 400, 300  # a Linear weight (in, out): 120,000 draws


def xavier(i, o):
    return math.sqrt(1 / i)


def glorot(i, o):
    return math.sqrt(2 / (i + o))


def he(i, o):
    return math.sqrt(2 / i)


# name -> (std as a function of fan-in and fan-out, uniform bound or None)
EXPECTED = {
    "xavier_normal": (xavier, None),
    "xavier": (xavier, None),
    "lecun_normal": (xavier, None),
    "glorot_normal": (glorot, None),
    "xavier_uniform": (glorot, lambda i, o: math.sqrt(6 / (i + o))),
    "glorot_uniform": (glorot, lambda i, o: math.sqrt(6 / (i + o))),
    "he_normal": (he, None),
    "he": (he, None),
    "kaiming_normal": (he, None),
    "he_uniform": (he, lambda i, o: math.sqrt(6 / i)),
    "kaiming_uniform": (he, lambda i, o: math.sqrt(6 / i)),
    "normal": (lambda i, o: 0.01, None),
    "normal:0.2": (lambda i, o: 0.2, None),
    "uniform": (lambda i, o: 0.05 / math.sqrt(3), lambda i, o: 0.05),
    "uniform:0.3": (lambda i, o: 0.3 / math.sqrt(3), lambda i, o: 0.3),
    0.05: (lambda i, o: 0.05, None),
}


def check_statistics(w, std, bound):
    n = w.size
    assert abs(w.mean()) < 5 * std / math.sqrt(n)
    assert w.std() == pytest.approx(std, rel=0.02)
    if bound is None:
        assert np.abs(w).max() > 3 * std  # a normal's tails, not a uniform's box
    else:
        assert np.abs(w).max() <= bound
        assert np.abs(w).max() > 0.99 * bound


@pytest.mark.parametrize("name", list(EXPECTED), ids=str)
def test_linear_layout_statistics(name):
    std_fn, bound_fn = EXPECTED[name]
    w = init.initialize(name, (FAN_IN, FAN_OUT), "in_out", np.random.default_rng(0), np.float64)
    assert w.shape == (FAN_IN, FAN_OUT)
    check_statistics(w, std_fn(FAN_IN, FAN_OUT), bound_fn and bound_fn(FAN_IN, FAN_OUT))


@pytest.mark.parametrize("name", ["xavier_normal", "glorot_normal", "he_normal", "he_uniform",
                                  "xavier_uniform"])
def test_conv_layout_uses_in_channels_times_kernel(name):
    shape = (64, 32, 3, 3)  # (out, in, kh, kw): fan-in 288, fan-out 576
    assert init.fans(shape, "out_in") == (288, 576)
    std_fn, bound_fn = EXPECTED[name]
    w = init.initialize(name, shape, "out_in", np.random.default_rng(1), np.float64)
    check_statistics(w, std_fn(288, 576), bound_fn and bound_fn(288, 576))


def test_fans_of_a_linear_weight():
    assert init.fans((400, 300), "in_out") == (400, 300)


def test_zeros():
    w = init.initialize("zeros", (3, 4), dtype=np.float32)
    assert w.dtype == np.float32 and not w.any()


def test_xavier_is_one_over_root_n_not_root_n():
    """DESIGN.md: Xavier's standard deviation is 1/sqrt(n) (variance 1/n)."""
    w = init.initialize("xavier", (10000, 10), rng=np.random.default_rng(2), dtype=np.float64)
    assert w.var() == pytest.approx(1 / 10000, rel=0.03)


@pytest.mark.parametrize("name", ["he_normal", "xavier_uniform", "normal", "uniform:0.1", "zeros", 0.1])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_requested(name, dtype):
    assert init.initialize(name, (5, 4), dtype=dtype).dtype == dtype
    layer = nn.Linear(5, 4, init=name, dtype=dtype)
    assert layer.weight.data.dtype == dtype and layer.bias.data.dtype == dtype
    assert layer.weight.grad.dtype == dtype


def test_default_dtype_is_float32_and_can_be_changed():
    assert scratchdl.get_default_dtype() == np.float32
    assert init.initialize("he", (2, 2)).dtype == np.float32
    try:
        scratchdl.set_default_dtype(np.float64)
        assert init.initialize("he", (2, 2)).dtype == np.float64
        assert nn.Linear(2, 2).weight.data.dtype == np.float64
    finally:
        scratchdl.set_default_dtype(np.float32)
    with pytest.raises(ConfigError, match="float32 or float64"):
        scratchdl.set_default_dtype(np.int32)


def test_same_generator_seed_same_weights():
    a = init.initialize("he", (6, 5), rng=np.random.default_rng(7))
    b = init.initialize("he", (6, 5), rng=np.random.default_rng(7))
    c = init.initialize("he", (6, 5), rng=np.random.default_rng(8))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_linear_uses_its_initializer():
    layer = nn.Linear(FAN_IN, FAN_OUT, init="xavier", rng=np.random.default_rng(3), dtype=np.float64)
    assert layer.weight.data.std() == pytest.approx(1 / math.sqrt(FAN_IN), rel=0.02)
    assert not layer.bias.data.any()


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ConfigError) as info:
        init.initialize("glorious", (3, 3))
    message = str(info.value)
    assert "'glorious'" in message
    for name in init.names():
        assert name in message
    for name in ["xavier_normal", "he_normal", "he_uniform", "xavier_uniform", "normal", "uniform", "zeros"]:
        assert name in init.names()
    with pytest.raises(ConfigError, match="valid: .*he_normal"):
        nn.Linear(3, 3, init="glorious")
