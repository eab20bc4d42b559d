"""ReLU's fast path: the bulk of each block is compared with a row of zeros, the rest with the
scalar 0; the two must give exactly NumPy's ``maximum(x, 0)``, NaN included, at any block edge."""

from __future__ import annotations

import numpy as np
import pytest

from scratchdl import nn
from scratchdl.nn import blocks


@pytest.mark.parametrize("size", [1, 1023, 1024, 1025, 3000, 70_001])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_is_exactly_maximum_with_zero_at_every_size(size, dtype, monkeypatch):
    monkeypatch.setattr(blocks, "ELEMENTWISE_MIN_BYTES", 1)          # in blocks, whose edges fall
    monkeypatch.setattr(blocks, "ELEMENTWISE_BLOCK_BYTES", 10_000)   # between multiples of 1024
    rng = np.random.default_rng(size)
    x = rng.standard_normal(size).astype(dtype)
    x[::97] = np.nan
    x[1::89] = -np.inf
    x[2::83] = np.inf
    dout = rng.standard_normal(size).astype(dtype)
    layer = nn.ReLU()
    y = layer.forward(x)
    np.testing.assert_array_equal(y, np.maximum(x, 0))
    assert y.dtype == dtype
    np.testing.assert_array_equal(layer.backward(dout), dout * (x > 0))
