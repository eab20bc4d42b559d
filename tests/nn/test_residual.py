"""Residual: gradcheck (the input feeds two branches), PyTorch parity with a BasicBlock-shaped
module loaded from the same state_dict, identity and projection shortcuts."""

import copy

import numpy as np
import pytest
import torch
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from scratchdl import gradcheck, nn

torch.set_num_threads(1)


def gen(seed, salt=0):
    return np.random.default_rng((seed, salt, 99))


class TorchBasicBlock(torch.nn.Module):
    """torchvision's BasicBlock with the shortcut named ``shortcut``."""

    def __init__(self, c_in, c_out, stride):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(c_out)
        self.conv2 = torch.nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = torch.nn.BatchNorm2d(c_out)
        self.shortcut = torch.nn.Identity()
        if stride != 1 or c_in != c_out:
            self.shortcut = torch.nn.Sequential(torch.nn.Conv2d(c_in, c_out, 1, stride, bias=False),
                                                torch.nn.BatchNorm2d(c_out))

    def forward(self, x):
        h = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(h)) + self.shortcut(x))


def randomize(block, seed):
    """Batch-norm scales and shifts away from 1 and 0, so every term matters."""
    rng = gen(seed, 1)
    for name, value in block.state_dict().items():
        if name.endswith(("bn1.weight", "bn2.weight", "1.weight")) and value.ndim == 1:
            value[...] = rng.uniform(0.5, 1.5, value.shape)
        elif name.endswith("bias"):
            value[...] = rng.standard_normal(value.shape) * 0.5


cases = st.tuples(st.integers(1, 3), st.integers(1, 3), st.sampled_from([1, 2]),
                  st.integers(3, 6), st.integers(0, 2**32 - 1))


@pytest.mark.slow
@settings(max_examples=50, deadline=None)
@given(case=cases, training=st.booleans())
@example(case=(2, 2, 1, 5, 0), training=True)       # identity shortcut: x feeds both branches
@example(case=(2, 3, 2, 5, 1), training=True)       # projection, stride 2, odd size
def test_gradcheck(case, training):
    c_in, c_out, stride, size, seed = case
    block = nn.Residual(c_in, c_out, stride, rng=gen(seed, 2), dtype=np.float64)
    randomize(block, seed)
    block.train(training)
    x = gen(seed, 3).standard_normal((2, c_in, size, size))
    # keep both ReLUs' inputs away from their kink, so that h = 1e-6 never straddles it
    probe = copy.deepcopy(block)
    a = probe.bn1(probe.conv1(x))
    z = probe.bn2(probe.conv2(probe.relu1(a))) + probe.shortcut(x)
    assume(min(np.abs(a).min(), np.abs(z).min()) > 1e-4)
    result = gradcheck(block, x)
    assert result.max_error < 1e-6, str(result)


def test_shortcut_kind_and_names_match_pytorch():
    shapes = [(4, 4, 1, nn.Identity), (4, 8, 1, nn.Sequential), (4, 4, 2, nn.Sequential)]
    for c_in, c_out, stride, kind in shapes:
        block = nn.Residual(c_in, c_out, stride)
        assert isinstance(block.shortcut, kind)
        twin = TorchBasicBlock(c_in, c_out, stride)
        assert sorted(block.state_dict()) == sorted(twin.state_dict())
        for name, value in twin.state_dict().items():
            assert block.state_dict()[name].shape == tuple(value.shape), name


def close(actual, expected, scale=1.0):
    """Within 1e-5 relative; ``scale`` sets the absolute floor (1e-5 of the larger of it and |expected|)."""
    expected = expected.detach().numpy() if isinstance(expected, torch.Tensor) else expected
    assert actual.dtype == np.float32 and actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=1e-5,
                               atol=1e-5 * max(1.0, scale, np.abs(expected).max()))


@settings(max_examples=30, deadline=None)
@given(case=cases)
@example(case=(3, 3, 1, 6, 0))
@example(case=(3, 4, 2, 7, 1))
def test_matches_pytorch_train_then_eval(case):
    c_in, c_out, stride, size, seed = case
    block = nn.Residual(c_in, c_out, stride, rng=gen(seed, 2))
    randomize(block, seed)
    twin = TorchBasicBlock(c_in, c_out, stride)
    twin.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in block.state_dict().items()})
    for step, training in enumerate([True, True, False]):
        block.train(training)
        twin.train(training)
        block.zero_grad()
        twin.zero_grad()
        x = gen(seed, 10 + step).standard_normal((3, c_in, size, size)).astype(np.float32)
        y = block(x)
        dout = gen(seed, 20 + step).standard_normal(y.shape).astype(np.float32)
        before = dout.copy()
        dx = block.backward(dout)
        np.testing.assert_array_equal(dout, before)
        tx = torch.from_numpy(x).requires_grad_(True)
        ty = twin(tx)
        ty.backward(torch.from_numpy(dout))
        close(y, ty)
        close(dx, tx.grad)
        grads = {name: p.grad for name, p in twin.named_parameters()}
        # A conv weight followed by train-mode batch norm gets a small gradient by cancellation of
        # terms as large as the largest gradient; float32 rounds relative to those terms (PyTorch's
        # own error against float64 is of that size too), so the floor follows the largest gradient.
        largest = max(float(g.abs().max()) for g in grads.values())
        for name, param in block.named_parameters():
            close(param.grad, grads[name], scale=largest)
        for name, value in twin.state_dict().items():
            close(np.asarray(block.state_dict()[name]).astype(np.float32), value.float())


def test_identity_block_input_gradient_is_the_sum_of_both_branches():
    block = nn.Residual(2, 2, rng=gen(0, 2), dtype=np.float64)
    x = gen(0, 3).standard_normal((2, 2, 4, 4))
    dout = gen(0, 4).standard_normal((2, 2, 4, 4))
    block(x)
    dx = block.backward(dout)
    delta = block.relu2.backward(dout)
    main = block.conv1.backward(block.bn1.backward(block.relu1.backward(
        block.conv2.backward(block.bn2.backward(delta)))))
    np.testing.assert_allclose(dx, main + delta)
    assert not np.allclose(dx, main)


@pytest.mark.parametrize("stride", [1, 2])
def test_float32_stays_float32(stride):
    block = nn.Residual(3, 4, stride)
    x = np.ones((2, 3, 6, 6), np.float32)
    y = block(x)
    assert y.dtype == np.float32 and y.shape == (2, 4, 6 // stride, 6 // stride)
    assert block.backward(np.ones_like(y)).dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in block.parameters())
