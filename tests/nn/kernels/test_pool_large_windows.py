"""Max pooling over large windows (up to 32x32 = 1024 positions, global pooling of a small map), under
every strategy, NumPy ones forced: the output and the gradient are PyTorch's, also when the largest
value of a window sits past its 256th position (beyond a one-byte argmax)."""

import numpy as np
import pytest
import torch
from strategies import NAMES
from test_kernels_strategies import close, run_layer

from scratchdl import nn

# (input H, W), kernel, stride, padding
CASES = {
    "16x16": ((32, 48), (16, 16), None, (0, 0)),          # 256 positions: the most one byte holds
    "16x17": ((32, 34), (16, 17), None, (0, 0)),          # 272
    "17x17-overlapping-padded": ((40, 40), (17, 17), (8, 5), (8, 4)),
    "32x32-global": ((32, 32), (32, 32), None, (0, 0)),   # a whole 32x32 feature map, as global pooling
    "32x32-stride16-padded": ((48, 40), (32, 32), (16, 16), (16, 8)),
    "1x300": ((2, 600), (1, 300), None, (0, 0)),
}


def large_window_input(shape, kernel, stride, padding, seed=0):
    """Random values, with each channel's largest value at the last position of a window (its
    bottom-right corner): offset kh*kw - 1, past 255 for windows of more than 256 positions."""
    x = np.random.default_rng(seed).standard_normal((2, 3, *shape)).astype(np.float32)
    (kh, kw), (sh, sw) = kernel, stride or kernel
    (ph, pw) = padding
    rows = range(kh - 1 - ph, shape[0], sh)
    cols = range(kw - 1 - pw, shape[1], sw)
    for k, (i, j) in enumerate((i, j) for i in rows for j in cols if i >= 0 and j >= 0):
        x[:, :, i, j] = 5.0 + k  # distinct, so that no window has a tie for its maximum
    return x


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("case", CASES)
def test_max_pool_over_large_windows_matches_pytorch(name, case):
    shape, kernel, stride, padding = CASES[case]
    x = large_window_input(shape, kernel, stride, padding)
    layer = nn.MaxPool2d(kernel, stride, padding)
    y, dx, _, dout = run_layer(layer, x, name, seed=1)
    tx = torch.from_numpy(x.copy()).requires_grad_(True)
    ty = torch.nn.MaxPool2d(kernel, stride, padding)(tx)
    ty.backward(torch.from_numpy(dout))
    close(y, ty, 0)
    close(dx, tx.grad, 1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_global_max_pool_of_a_32x32_map_routes_the_gradient_to_the_maximum(name):
    """The most common large window: one max over a whole 32x32 map, its maximum anywhere."""
    x = np.random.default_rng(3).standard_normal((4, 2, 32, 32))
    for n in range(4):
        for c in range(2):
            i, j = divmod(int(np.random.default_rng(n * 2 + c).integers(256, 1024)), 32)
            x[n, c, i, j] = 10.0
    y, dx, _, dout = run_layer(nn.MaxPool2d(32), x, name, seed=2)
    np.testing.assert_array_equal(y, x.max(axis=(2, 3), keepdims=True))
    expected = np.where(x == x.max(axis=(2, 3), keepdims=True), dout, 0.0)
    np.testing.assert_array_equal(dx, expected)
