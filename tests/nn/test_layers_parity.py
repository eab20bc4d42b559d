"""Every layer's forward, dL/dx and parameter gradients, and every loss and its gradient, equal
PyTorch 2.13's: within 1e-5 relative in float32 and 1e-10 in float64, in train and eval mode.
Tests taking the ``device`` fixture (tests/conftest.py) run on NumPy and, when a GPU is usable, on
CuPy with the same tolerances.

"Relative" is elementwise with an absolute floor of tol * max|torch's array|, so an entry that is
near zero by cancellation is judged against the array's scale rather than against itself.
"""

import numpy as np
import pytest
import torch

from scratchdl import nn
from scratchdl.backend import to_numpy

torch.set_num_threads(1)

DTYPES = [np.float32, np.float64]
TOL = {np.float32: 1e-5, np.float64: 1e-10}
MODES = ["train", "eval"]


def assert_close(ours, theirs, dtype, what=""):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    ours = to_numpy(ours)
    assert ours.shape == theirs.shape, what
    if isinstance(ours.dtype, np.dtype) and ours.ndim:
        assert ours.dtype == np.dtype(dtype), what
    tol = TOL[dtype]
    scale = float(np.abs(theirs).max(initial=0.0))
    np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol * scale, err_msg=what)


def tensor(a, requires_grad=False):
    return torch.tensor(np.array(a), requires_grad=requires_grad)


def run_both(ours, theirs, x, mode, dout=None, seed=1, device=None):
    """Forward and backward through both (ours on ``device``'s arrays, its parameters already
    there); returns ours (y, dx) as NumPy arrays and theirs (y, dx)."""
    ours.train(mode == "train")
    theirs.train(mode == "train")
    put, back = (device.array, device.numpy) if device is not None else (lambda a: a, lambda a: a)
    y = ours(put(x))
    if dout is None:
        dout = np.random.default_rng(seed).standard_normal(y.shape).astype(x.dtype)
    dout_on_device = put(dout)
    dx = ours.backward(dout_on_device)
    np.testing.assert_array_equal(back(dout_on_device), dout)  # backward never writes into dout
    y, dx = back(y), back(dx)
    xt = tensor(x, requires_grad=True)
    yt = theirs(xt)
    yt.backward(tensor(dout))
    return (y, dx), (yt, xt.grad)


def torch_linear(layer, dtype):
    tl = torch.nn.Linear(layer.in_features, layer.out_features, bias=layer.bias is not None,
                         dtype=torch.float32 if dtype == np.float32 else torch.float64)
    with torch.no_grad():
        tl.weight.copy_(torch.from_numpy(layer.weight.data.T.copy()))
        if layer.bias is not None:
            tl.bias.copy_(torch.from_numpy(layer.bias.data))
    return tl


# ---- Linear -----------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape", [(8, 5), (4, 3, 5), (1, 5)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear(dtype, mode, shape, bias, device):
    rng = np.random.default_rng(0)
    layer = nn.Linear(5, 7, bias=bias, rng=rng, dtype=dtype)
    if bias:
        layer.bias.data[...] = rng.standard_normal(7)
    tl = torch_linear(layer, dtype)
    device.module(layer)
    x = rng.standard_normal(shape).astype(dtype)
    (y, dx), (yt, dxt) = run_both(layer, tl, x, mode, device=device)
    assert_close(y, yt, dtype, "output")
    assert_close(dx, dxt, dtype, "dx")
    assert_close(layer.weight.grad, tl.weight.grad.T, dtype, "dW")
    if bias:
        assert_close(layer.bias.grad, tl.bias.grad, dtype, "db")


def test_linear_accumulates_gradients_like_torch():
    rng = np.random.default_rng(1)
    layer = nn.Linear(4, 3, rng=rng, dtype=np.float64)
    tl = torch_linear(layer, np.float64)
    for _ in range(3):
        x = rng.standard_normal((5, 4))
        run_both(layer, tl, x, "train", seed=int(rng.integers(1 << 30)))
    assert_close(layer.weight.grad, tl.weight.grad.T, np.float64)
    assert_close(layer.bias.grad, tl.bias.grad, np.float64)


# ---- activations and shape layers -------------------------------------------------------------
ACTIVATIONS = {
    "relu": (nn.ReLU, torch.nn.ReLU),
    "sigmoid": (nn.Sigmoid, torch.nn.Sigmoid),
    "tanh": (nn.Tanh, torch.nn.Tanh),
    "leaky_relu": (lambda: nn.LeakyReLU(0.01), lambda: torch.nn.LeakyReLU(0.01)),
    "leaky_relu_0.2": (lambda: nn.LeakyReLU(0.2), lambda: torch.nn.LeakyReLU(0.2)),
    "gelu": (nn.GELU, torch.nn.GELU),
    "gelu_tanh": (lambda: nn.GELU(approximate="tanh"), lambda: torch.nn.GELU(approximate="tanh")),
    "softmax": (nn.Softmax, lambda: torch.nn.Softmax(dim=-1)),
    "softmax_dim1": (lambda: nn.Softmax(dim=1), lambda: torch.nn.Softmax(dim=1)),
    "softmax_dim0": (lambda: nn.Softmax(dim=0), lambda: torch.nn.Softmax(dim=0)),
    "identity": (nn.Identity, torch.nn.Identity),
    "flatten": (nn.Flatten, torch.nn.Flatten),
}


def activation_input(shape, dtype, seed=2):
    x = np.random.default_rng(seed).standard_normal(shape) * 3
    x.flat[:3] = [0.0, 40.0, -40.0]  # the kink, and saturated values
    return x.astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape", [(6, 5), (3, 4, 5)])
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation(name, dtype, mode, shape, device):
    make_ours, make_theirs = ACTIVATIONS[name]
    x = activation_input(shape, dtype)
    (y, dx), (yt, dxt) = run_both(make_ours(), make_theirs(), x, mode, device=device)
    assert_close(y, yt, dtype, "output")
    assert_close(dx, dxt, dtype, "dx")


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_and_softmax_are_stable_at_extreme_inputs(dtype):
    x = np.array([[-1000.0, 0.0, 1000.0], [1e4, -1e4, 3.0]], dtype=dtype)
    for ours, theirs in [(nn.Sigmoid(), torch.nn.Sigmoid()), (nn.Softmax(), torch.nn.Softmax(dim=-1))]:
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            (y, dx), (yt, dxt) = run_both(ours, theirs, x, "train")
        assert np.isfinite(y).all() and np.isfinite(dx).all()
        assert_close(y, yt, dtype)
        assert_close(dx, dxt, dtype)


# ---- Dropout ----------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [0.0, 0.2, 0.5, 0.9])
def test_dropout_eval_is_the_identity(dtype, p):
    x = activation_input((20, 30), dtype)
    (y, dx), (yt, dxt) = run_both(nn.Dropout(p), torch.nn.Dropout(p), x, "eval")
    np.testing.assert_array_equal(y, x)
    assert_close(y, yt, dtype)
    assert_close(dx, dxt, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_dropout_train_equals_torch_with_the_same_mask(dtype, p):
    """scratchdl's mask is recovered from its output (the input has no zeros), and applied the way
    torch's dropout applies its own: ``x * bernoulli(1 - p).div_(1 - p)``."""
    rng = np.random.default_rng(3)
    x = rng.uniform(0.5, 2.0, (40, 50)) * rng.choice([-1, 1], (40, 50))
    x = x.astype(dtype)
    layer = nn.Dropout(p, rng=np.random.default_rng(4)).train()
    y = layer(x)
    mask = y != 0
    assert abs(mask.mean() - (1 - p)) < 0.05  # Bernoulli(1 - p) keeps
    dout = rng.standard_normal(x.shape).astype(dtype)
    dx = layer.backward(dout)

    xt = tensor(x, requires_grad=True)
    noise = torch.from_numpy(mask.astype(dtype)).div_(1 - p)
    yt = xt * noise
    yt.backward(tensor(dout))
    assert_close(y, yt, dtype, "output")
    assert_close(dx, xt.grad, dtype, "dx")

    # torch's own dropout scales its kept entries by the same factor.
    torch.manual_seed(0)
    ones_t = torch.nn.functional.dropout(torch.ones(x.shape, dtype=noise.dtype), p, training=True)
    kept = ones_t[ones_t != 0].unique()
    assert kept.numel() == 1
    scale = y[mask] / x[mask]
    assert_close(scale, torch.full((int(mask.sum()),), kept[0].item(), dtype=noise.dtype), dtype)


# ---- BatchNorm1d ------------------------------------------------------------------------------
def torch_batchnorm(layer, dtype):
    tb = torch.nn.BatchNorm1d(layer.num_features, eps=layer.eps, momentum=layer.momentum,
                              affine=layer.affine,
                              dtype=torch.float32 if dtype == np.float32 else torch.float64)
    if layer.affine:
        with torch.no_grad():
            tb.weight.copy_(torch.from_numpy(layer.weight.data))
            tb.bias.copy_(torch.from_numpy(layer.bias.data))
    return tb


def assert_batchnorm_state(bn, tb, dtype):
    assert_close(bn.running_mean, tb.running_mean, dtype, "running_mean")
    assert_close(bn.running_var, tb.running_var, dtype, "running_var")
    assert int(bn.num_batches_tracked) == int(tb.num_batches_tracked)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(16, 6), (4, 6, 5)])
@pytest.mark.parametrize("momentum, eps, affine", [(0.1, 1e-5, True), (0.3, 1e-3, True), (0.1, 1e-5, False)])
def test_batchnorm1d_several_steps_then_eval(dtype, shape, momentum, eps, affine, device):
    rng = np.random.default_rng(5)
    bn = nn.BatchNorm1d(6, eps=eps, momentum=momentum, affine=affine, dtype=dtype)
    if affine:
        bn.weight.data[...] = rng.uniform(0.5, 1.5, 6)
        bn.bias.data[...] = rng.standard_normal(6)
    tb = torch_batchnorm(bn, dtype)
    device.module(bn)
    for step in range(5):
        x = (rng.standard_normal(shape) * rng.uniform(0.5, 3.0) + rng.standard_normal()).astype(dtype)
        bn.zero_grad()
        tb.zero_grad()
        (y, dx), (yt, dxt) = run_both(bn, tb, x, "train", seed=step, device=device)
        assert_close(y, yt, dtype, f"step {step} output")
        assert_close(dx, dxt, dtype, f"step {step} dx")
        if affine:
            assert_close(bn.weight.grad, tb.weight.grad, dtype, f"step {step} dgamma")
            assert_close(bn.bias.grad, tb.bias.grad, dtype, f"step {step} dbeta")
        assert_batchnorm_state(bn, tb, dtype)
    assert int(bn.num_batches_tracked) == 5

    x = (rng.standard_normal(shape) * 2 + 1).astype(dtype)
    bn.zero_grad()
    tb.zero_grad()
    (y, dx), (yt, dxt) = run_both(bn, tb, x, "eval", seed=9, device=device)
    assert_close(y, yt, dtype, "eval output")
    assert_close(dx, dxt, dtype, "eval dx")
    if affine:
        assert_close(bn.weight.grad, tb.weight.grad, dtype, "eval dgamma")
        assert_close(bn.bias.grad, tb.bias.grad, dtype, "eval dbeta")
    assert_batchnorm_state(bn, tb, dtype)  # eval does not move the running statistics
    assert int(bn.num_batches_tracked) == 5


def test_batchnorm1d_starts_like_torch():
    bn, tb = nn.BatchNorm1d(4, dtype=np.float64), torch.nn.BatchNorm1d(4, dtype=torch.float64)
    assert_batchnorm_state(bn, tb, np.float64)
    assert_close(bn.weight.data, tb.weight, np.float64)
    assert_close(bn.bias.data, tb.bias, np.float64)
    assert bn.eps == tb.eps and bn.momentum == tb.momentum


# ---- losses -----------------------------------------------------------------------------------
def loss_both(ours, theirs, y, t, t_torch, device=None):
    if device is None:
        loss, dy = ours(y, t), ours.backward()
    else:
        loss = ours(device.array(y), device.array(t))
        dy = device.numpy(ours.backward())
    yt = tensor(y, requires_grad=True)
    lt = theirs(yt, t_torch)
    lt.backward()
    return (loss, dy), (lt, yt.grad)


def check_loss(ours, theirs, y, t, t_torch, dtype, device=None):
    (loss, dy), (lt, dyt) = loss_both(ours, theirs, y, t, t_torch, device)
    assert isinstance(loss, float)
    assert np.isfinite(loss)
    assert loss == pytest.approx(lt.item(), rel=TOL[dtype], abs=TOL[dtype] * 1e-3)
    assert_close(dy, dyt, dtype, "dL/dy")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("scale", [1.0, 10.0, 1000.0])
def test_cross_entropy_with_indices(dtype, scale, device):
    rng = np.random.default_rng(6)
    y = (rng.standard_normal((12, 5)) * scale).astype(dtype)
    t = rng.integers(0, 5, 12)
    check_loss(nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss(), y, t, torch.from_numpy(t), dtype, device)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("one_hot", [True, False])
def test_cross_entropy_with_probability_targets(dtype, one_hot, device):
    rng = np.random.default_rng(7)
    y = (rng.standard_normal((10, 4)) * 3).astype(dtype)
    t = np.eye(4)[rng.integers(0, 4, 10)] if one_hot else rng.dirichlet(np.ones(4), 10)
    t = t.astype(dtype)
    check_loss(nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss(), y, t, torch.from_numpy(t), dtype, device)


def test_softmax_with_loss_is_cross_entropy():
    assert nn.SoftmaxWithLoss is nn.CrossEntropyLoss


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(9,), (7, 3), (2, 3, 4)])
def test_mse_loss(dtype, shape, device):
    rng = np.random.default_rng(8)
    y, t = rng.standard_normal(shape).astype(dtype), rng.standard_normal(shape).astype(dtype)
    check_loss(nn.MSELoss(), torch.nn.MSELoss(), y, t, torch.from_numpy(t), dtype, device)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(9,), (7, 3), (2, 3, 4)])
@pytest.mark.parametrize("scale", [1.0, 30.0])
def test_bce_with_logits_loss(dtype, shape, scale, device):
    rng = np.random.default_rng(9)
    y = (rng.standard_normal(shape) * scale).astype(dtype)
    t = rng.uniform(0, 1, shape).astype(dtype)
    if len(shape) == 2:
        t = (t > 0.5).astype(dtype)  # hard labels too
    check_loss(nn.BCEWithLogitsLoss(), torch.nn.BCEWithLogitsLoss(), y, t, torch.from_numpy(t), dtype, device)
