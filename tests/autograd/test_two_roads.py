"""Two roads to one gradient: every ``nn`` layer's hand-written backward against autograd's gradient
of the same forward formula (``F``), float64, on shapes hypothesis draws: equal within 1e-10.

For a layer ``f`` and an upstream gradient ``delta``, the explicit road is ``f.backward(delta)`` (and
the parameters' ``grad``); the autograd road is ``sum(F.f(x, params) * delta).backward()``. Each
property runs a few examples in the default run and many more under ``pytest -m slow``. The last
test runs the seed's 2-3-2 exercise through autograd and prints exactly what
``examples/seed_backprop.py`` prints.
"""

import contextlib
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scratchdl import nn
from scratchdl.autograd import Tensor
from scratchdl.autograd import functional as F
from scratchdl.nn import kernels

FAST, SLOW = 3, 40
TOL = 1e-10


def two_speeds(check):
    """A fast test (``FAST`` examples) and a slow one (``SLOW`` examples, marked slow) of ``check(data)``."""
    fast = settings(max_examples=FAST, deadline=None)(given(st.data())(check))
    slow = pytest.mark.slow(settings(max_examples=SLOW, deadline=None)(given(st.data())(check)))
    return fast, slow


def close(a, b, what=""):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, what
    np.testing.assert_allclose(a, b, rtol=TOL, atol=TOL, err_msg=what)


def array(data, shape, low=-2.0, high=2.0, integers=False):
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    rng = np.random.default_rng(seed)
    if integers:                                       # small integers: many ties
        return rng.integers(-2, 3, size=shape).astype(np.float64)
    return rng.uniform(low, high, size=shape)


def explicit(layer, x, delta):
    """The hand-written road: forward, backward(delta); the input's and the parameters' gradients."""
    layer.zero_grad()
    y = layer(x)
    dx = layer.backward(delta)
    return y, dx, {name: p.grad.copy() for name, p in layer.named_parameters()}


def autograd(form, layer, x, delta):
    """The autograd road: ``form(x, params)``, then d sum(y * delta) / d(x, params)."""
    params = {name: Tensor(p.data.copy(), requires_grad=True) for name, p in layer.named_parameters()}
    xt = Tensor(x.copy(), requires_grad=True)
    y = form(xt, params)
    (y * Tensor(delta)).sum().backward()
    return y.numpy(), xt.grad.numpy(), {name: t.grad.numpy() for name, t in params.items()}


def meet(layer, form, x, y_shape=None, strategy=None):
    """Both roads on ``x`` with a random upstream gradient: the same output and gradients. With
    ``strategy``, autograd's convolution and pooling kernels are that ``nn.kernels`` strategy (the
    layer keeps the default), so the two roads run different code."""
    rng = np.random.default_rng(0)
    y0 = layer(x.copy())
    delta = rng.normal(size=y0.shape if y_shape is None else y_shape)
    with kernels.use(strategy) if strategy else contextlib.nullcontext():
        ours = autograd(form, layer, x, delta)
    theirs = explicit(layer, x.copy(), delta)
    close(ours[0], theirs[0], "forward")
    close(ours[1], theirs[1], "input gradient")
    assert ours[2].keys() == theirs[2].keys()
    for name in ours[2]:
        close(ours[2][name], theirs[2][name], name)


def check_linear(data):
    n, d_in, d_out = (data.draw(st.integers(1, 6)) for _ in range(3))
    lead = data.draw(st.sampled_from([(), (2,)]))
    layer = nn.Linear(d_in, d_out, rng=np.random.default_rng(1), dtype=np.float64)
    meet(layer, lambda x, p: F.linear(x, p["weight"], p["bias"]), array(data, (n, *lead, d_in)))


def check_activations(data):
    shape = tuple(data.draw(st.lists(st.integers(1, 5), min_size=1, max_size=3)))
    x = array(data, shape, -3, 3)
    pairs = [(nn.ReLU(), F.relu), (nn.Sigmoid(), F.sigmoid), (nn.Tanh(), F.tanh),
             (nn.LeakyReLU(0.05), lambda x: F.leaky_relu(x, 0.05)), (nn.GELU(), F.gelu),
             (nn.GELU("tanh"), lambda x: F.gelu(x, "tanh")), (nn.Softmax(-1), F.softmax),
             (nn.Softmax(0), lambda x: F.softmax(x, 0)), (nn.Identity(), lambda x: x * 1.0),
             (nn.Flatten(), F.flatten)]
    for layer, form in pairs:
        meet(layer, lambda x, p, form=form: form(x), x)


def check_losses(data):
    n, c = data.draw(st.integers(1, 6)), data.draw(st.integers(2, 5))
    logits = array(data, (n, c), -4, 4)
    labels = np.random.default_rng(n * c).integers(0, c, size=n)
    probs = np.random.default_rng(c).dirichlet(np.ones(c), size=n)
    cases = [(nn.CrossEntropyLoss(), F.cross_entropy, labels),
             (nn.CrossEntropyLoss(), F.cross_entropy, probs), (nn.MSELoss(), F.mse_loss, probs),
             (nn.BCEWithLogitsLoss(), F.binary_cross_entropy_with_logits, probs)]
    for loss, form, target in cases:
        value = loss(logits.copy(), target)
        dy = loss.backward()
        y = Tensor(logits.copy(), requires_grad=True)
        ours = form(y, target)
        ours.backward()
        close(float(ours), value, type(loss).__name__)
        close(y.grad.numpy(), dy, type(loss).__name__)


def check_batch_norm(data):
    two_d = data.draw(st.booleans())
    n, c = data.draw(st.integers(2, 5)), data.draw(st.integers(1, 4))
    shape = (n, c, *data.draw(st.sampled_from([(3, 2), (1, 4)]))) if two_d else \
        (n, c, *data.draw(st.sampled_from([(), (3,)])))
    x = array(data, shape, -3, 3)
    layer = (nn.BatchNorm2d if two_d else nn.BatchNorm1d)(c, dtype=np.float64)
    layer.weight.data[...] = np.random.default_rng(2).uniform(0.5, 1.5, c)
    layer.bias.data[...] = np.random.default_rng(3).normal(size=c)
    training = data.draw(st.booleans())
    layer.train(training)
    if not training:
        layer.running_mean[...] = np.random.default_rng(4).normal(size=c)
        layer.running_var[...] = np.random.default_rng(5).uniform(0.5, 2, size=c)
    mean, var = layer.running_mean.copy(), layer.running_var.copy()

    def form(x, p):
        return F.batch_norm(x, mean.copy(), var.copy(), p["weight"], p["bias"], training, layer.momentum,
                            layer.eps)

    meet(layer, form, x)


def check_conv2d(data):
    n, c, o = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)), data.draw(st.integers(1, 4))
    kh, kw = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    stride = (data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2)))
    padding = (data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2)))
    h, w = kh + data.draw(st.integers(0, 4)), kw + data.draw(st.integers(0, 4))
    bias = data.draw(st.booleans())
    layer = nn.Conv2d(c, o, (kh, kw), stride, padding, bias=bias, rng=np.random.default_rng(1),
                      dtype=np.float64)
    strategy = data.draw(st.sampled_from(["reference", "batch", "cpu"]))
    meet(layer, lambda x, p: F.conv2d(x, p["weight"], p.get("bias"), stride, padding),
         array(data, (n, c, h, w)), strategy=strategy)


def check_pooling(data):
    n, c = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    k = data.draw(st.integers(1, 3))
    stride, padding = data.draw(st.integers(1, 3)), data.draw(st.integers(0, k // 2))
    h, w = k + data.draw(st.integers(0, 4)), k + data.draw(st.integers(0, 4))
    ties = data.draw(st.booleans())
    x = array(data, (n, c, h, w), integers=ties)
    strategy = data.draw(st.sampled_from(["reference", "batch", "cpu"]))
    meet(nn.MaxPool2d(k, stride, padding), lambda x, p: F.max_pool2d(x, k, stride, padding), x,
         strategy=strategy)
    meet(nn.AvgPool2d(k, stride, padding), lambda x, p: F.avg_pool2d(x, k, stride, padding), x,
         strategy=strategy)
    meet(nn.GlobalAvgPool2d(), lambda x, p: F.global_avg_pool2d(x), x)


def check_dropout(data):
    shape = (data.draw(st.integers(1, 4)), data.draw(st.integers(1, 3)), 2, 3)
    p = data.draw(st.sampled_from([0.0, 0.2, 0.5, 0.9]))
    seed = data.draw(st.integers(0, 1000))
    x = array(data, shape)
    for cls, form in ((nn.Dropout, F.dropout), (nn.Dropout2d, F.dropout2d)):
        # the same generator state on both roads: the same mask
        layer = cls(p, rng=np.random.default_rng(seed))
        layer.rng = np.random.default_rng(seed)
        rng = np.random.default_rng(seed)
        delta = np.random.default_rng(0).normal(size=shape)
        ours = autograd(lambda x, params, form=form, rng=rng: form(x, p, True, rng), layer, x, delta)
        theirs = explicit(layer, x.copy(), delta)
        close(ours[0], theirs[0], cls.__name__)
        close(ours[1], theirs[1], cls.__name__)


def check_residual(data):
    c_in, c_out = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    stride = data.draw(st.sampled_from([1, 2]))
    n, size = data.draw(st.integers(2, 3)), data.draw(st.integers(3, 5))
    layer = nn.Residual(c_in, c_out, stride, rng=np.random.default_rng(1), dtype=np.float64)
    training = data.draw(st.booleans())
    layer.train(training)
    from scratchdl.autograd import from_nn

    def form(x, p):
        twin = nn.Residual(c_in, c_out, stride, dtype=np.float64)
        twin.load_state_dict(layer.state_dict())
        twin.train(training)
        return from_nn.forward(twin, x, p)

    meet(layer, form, array(data, (n, c_in, size, size)))


test_linear, test_linear_slow = two_speeds(check_linear)
test_activations, test_activations_slow = two_speeds(check_activations)
test_losses, test_losses_slow = two_speeds(check_losses)
test_batch_norm, test_batch_norm_slow = two_speeds(check_batch_norm)
test_conv2d, test_conv2d_slow = two_speeds(check_conv2d)
test_pooling_with_ties, test_pooling_with_ties_slow = two_speeds(check_pooling)
test_dropout_with_a_fixed_mask, test_dropout_with_a_fixed_mask_slow = two_speeds(check_dropout)
test_residual, test_residual_slow = two_speeds(check_residual)


def test_a_wrong_backward_would_be_caught():
    """The comparison is sharp: a Linear whose weight gradient is off by 1e-9 fails it."""
    layer = nn.Linear(3, 2, rng=np.random.default_rng(0), dtype=np.float64)
    x = np.random.default_rng(1).normal(size=(4, 3))
    original = layer.backward

    def slightly_wrong(dout):
        dx = original(dout)
        layer.weight.grad[0, 0] += 1e-9
        return dx

    layer.backward = slightly_wrong
    with pytest.raises(AssertionError):
        meet(layer, lambda x, p: F.linear(x, p["weight"], p["bias"]), x)


def test_the_seed_exercise_through_autograd_prints_the_seed_numbers(capsys):
    """The 2-3-2 network of examples/seed_backprop.py, its gradients by autograd, printed the seed's way:
    the lines equal tests/examples/seed_backprop_output.txt from the backprop part on."""
    from scratchdl.functions import print_vec

    examples = Path(__file__).parents[1] / "examples"
    sys.path.insert(0, str(examples))
    from test_seed_examples import SEED_OUTPUT, same_line

    net = {"W1": [[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]], "W2": [[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]],
           "b1": [0.1, 0.2, 0.3], "b2": [0.1, 0.2]}
    p = {k: Tensor(np.array(v), requires_grad=True) for k, v in net.items()}
    x, d = Tensor(np.array([[1.0, 5.0]]), name="x"), np.array([[0.0, 1.0]])
    u1 = (x @ p["W1"] + p["b1"]).retain_grad()
    z1 = F.relu(u1)
    u2 = (z1 @ p["W2"] + p["b2"]).retain_grad()
    F.cross_entropy(u2, d).backward()
    print("##### 誤差逆伝播開始 #####")
    print_vec("偏微分_dE/du2", u2.grad.numpy())
    print_vec("偏微分_dE/du2", u1.grad.numpy())           # the seed's label (it is dE/du1)
    for label, key in (("重み1", "W1"), ("重み2", "W2"), ("バイアス1", "b1"), ("バイアス2", "b2")):
        print_vec("偏微分_" + label, p[key].grad.numpy())
    print("##### 結果表示 #####")
    print("##### 更新後パラメータ #####")
    from scratchdl.optim import SGD

    SGD(list(p.values()), lr=0.01).step()
    for label, key in (("重み1", "W1"), ("重み2", "W2"), ("バイアス1", "b1"), ("バイアス2", "b2")):
        print_vec(label, p[key].numpy())
    printed = capsys.readouterr().out.rstrip("\n").splitlines()
    expected = SEED_OUTPUT.rstrip("\n").splitlines()
    expected = expected[expected.index("##### 誤差逆伝播開始 #####"):]
    assert len(printed) == len(expected) > 30
    assert all(same_line(a, b) for a, b in zip(printed, expected, strict=True)), [
        (a, b) for a, b in zip(printed, expected, strict=True) if not same_line(a, b)]
