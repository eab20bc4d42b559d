"""``kernels.for_array`` picks the strategy by array library, ``kernels.use`` and SCRATCHDL_KERNELS
force one, unknown names are a ConfigError listing the valid ones, and a layer's backward runs the
strategy its forward ran."""

import numpy as np
import pytest

from scratchdl import nn
from scratchdl.errors import ConfigError
from scratchdl.nn import kernels
from scratchdl.nn.kernels import batch, cpu, reference


def test_numpy_arrays_get_the_cpu_strategy(monkeypatch):
    monkeypatch.delenv(kernels.ENV_VAR, raising=False)
    assert kernels.for_array(np.zeros(3, np.float32)) is cpu


def test_use_forces_a_strategy_and_nests(monkeypatch):
    monkeypatch.delenv(kernels.ENV_VAR, raising=False)
    x = np.zeros(3)
    with kernels.use("batch") as chosen:
        assert chosen is batch and kernels.for_array(x) is batch
        with kernels.use("reference"):
            assert kernels.for_array(x) is reference
        assert kernels.for_array(x) is batch
    assert kernels.for_array(x) is cpu


def test_environment_variable_forces_a_strategy_and_use_wins(monkeypatch):
    monkeypatch.setenv(kernels.ENV_VAR, "batch")
    assert kernels.for_array(np.zeros(3)) is batch
    with kernels.use("cpu"):
        assert kernels.for_array(np.zeros(3)) is cpu


@pytest.mark.parametrize("how", ["use", "env"])
def test_unknown_strategy_names_the_valid_ones(how, monkeypatch):
    with pytest.raises(ConfigError) as err:
        if how == "use":
            with kernels.use("gpu"):
                pass
        else:
            monkeypatch.setenv(kernels.ENV_VAR, "gpu")
            kernels.for_array(np.zeros(3))
    assert "'gpu'" in str(err.value) and "batch, cpu, reference" in str(err.value)
    assert ("SCRATCHDL_KERNELS" in str(err.value)) == (how == "env")


def test_register_adds_a_strategy(monkeypatch):
    monkeypatch.setitem(kernels.STRATEGIES, "mine", reference)
    with kernels.use("mine"):
        assert kernels.for_array(np.zeros(1)) is reference


@pytest.mark.parametrize("layer", [nn.Conv2d(2, 3, 3, padding=1), nn.MaxPool2d(2), nn.AvgPool2d(2)])
def test_backward_runs_the_strategy_of_forward(layer):
    x = np.random.default_rng(0).standard_normal((2, 2, 6, 6)).astype(np.float32)
    with kernels.use("batch"):
        y = layer(x)
    assert layer._cache[0] is batch
    dx = layer.backward(np.ones_like(y))     # outside the block: the cache is the batch strategy's
    with kernels.use("reference"):
        layer(x)
        np.testing.assert_allclose(dx, layer.backward(np.ones_like(y)), rtol=1e-6, atol=1e-6)
