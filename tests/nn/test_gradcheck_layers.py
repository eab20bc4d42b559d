"""Every layer, loss and the MLP pass ``scratchdl.gradcheck`` in float64 (worst relative error
< 1e-6) on shapes drawn by hypothesis, at least 50 examples per layer, on NumPy and (the
``device`` fixture) on CuPy when a GPU is usable.

Hypothesis draws a seed and the sizes; NumPy draws the values from that seed. Inputs of layers
with a kink (ReLU, LeakyReLU) are kept at least 1e-3 away from it, so a central difference with
h = 1e-6 never straddles it.
"""

import copy

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scratchdl import gradcheck, nn
from scratchdl.models import MLP

TOL = 1e-6
EXAMPLES = settings(max_examples=50, deadline=None)

seeds = st.integers(0, 2**32 - 1)
small = st.integers(1, 5)


def gen(seed, salt=0):
    """A generator for the test's values. Its stream never equals ``default_rng(0)``, which
    gradcheck uses for the upstream gradient: an input equal to that gradient (up to an affine
    map) would make batch norm's input gradient vanish and the check meaningless."""
    return np.random.default_rng((seed, salt, 12345))


def normal(seed, shape, scale=1.0, salt=0):
    return gen(seed, salt).standard_normal(shape) * scale


def away_from_zero(x, seed, margin=1e-3):
    """Resample entries with |x| < margin until none is left (values near a kink)."""
    rng = gen(seed, 99)
    x = x.copy()
    while (near := np.abs(x) < margin).any():
        x[near] = rng.standard_normal(int(near.sum()))
    return x


def check(module, x, target=None, device=None):
    """gradcheck on ``device`` (the ``device`` fixture: NumPy, or CuPy when a GPU is usable)."""
    if device is not None:
        module = device.module(module)
        x = device.array(x)
        target = None if target is None else device.array(target)
    result = gradcheck(module, x, target)
    assert "input" in result.errors
    names = [name for name, _ in module.named_parameters()]
    assert set(names) <= set(result.errors)
    assert result.max_error < TOL, str(result)
    return result


# ---- layers -----------------------------------------------------------------------------------
@EXAMPLES
@given(seed=seeds, n=small, fan_in=small, fan_out=small, bias=st.booleans())
def test_linear_2d(seed, n, fan_in, fan_out, bias, device):
    layer = nn.Linear(fan_in, fan_out, bias=bias, rng=np.random.default_rng(seed), dtype=np.float64)
    if bias:
        layer.bias.data[...] = normal(seed, fan_out, salt=2)
    result = check(layer, normal(seed, (n, fan_in)), device=device)
    assert set(result.errors) == ({"input", "weight", "bias"} if bias else {"input", "weight"})


@EXAMPLES
@given(seed=seeds, n=small, length=small, fan_in=small, fan_out=small)
def test_linear_3d(seed, n, length, fan_in, fan_out, device):
    layer = nn.Linear(fan_in, fan_out, rng=np.random.default_rng(seed), dtype=np.float64)
    layer.bias.data[...] = normal(seed, fan_out, salt=2)
    check(layer, normal(seed, (n, length, fan_in)), device=device)


shapes = st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple)


@EXAMPLES
@given(seed=seeds, shape=shapes)
def test_relu(seed, shape, device):
    check(nn.ReLU(), away_from_zero(normal(seed, shape), seed), device=device)


# Smooth activations get inputs in [-scale, scale], away from the far tails: there the
# derivative (e.g. tanh'(12) ~ 1e-10) is below what a central difference can resolve.
def uniform(seed, shape, scale):
    return gen(seed).uniform(-scale, scale, shape)


@EXAMPLES
@given(seed=seeds, shape=shapes, scale=st.floats(0.1, 6.0))
def test_sigmoid(seed, shape, scale, device):
    check(nn.Sigmoid(), uniform(seed, shape, scale), device=device)


@EXAMPLES
@given(seed=seeds, shape=shapes, scale=st.floats(0.1, 3.0))
def test_tanh(seed, shape, scale, device):
    check(nn.Tanh(), uniform(seed, shape, scale), device=device)


@EXAMPLES
@given(seed=seeds, shape=shapes, slope=st.just(0.0) | st.floats(1e-3, 0.5))  # not a subnormal slope:
def test_leaky_relu(seed, shape, slope, device):    # x * 5e-324 underflows, below what differences resolve
    check(nn.LeakyReLU(slope), away_from_zero(normal(seed, shape), seed), device=device)


@EXAMPLES
@given(seed=seeds, shape=shapes, scale=st.floats(0.1, 3.0))
def test_gelu_exact(seed, shape, scale, device):
    check(nn.GELU(), uniform(seed, shape, scale), device=device)


@EXAMPLES
@given(seed=seeds, shape=shapes, scale=st.floats(0.1, 3.0))
def test_gelu_tanh(seed, shape, scale, device):
    check(nn.GELU(approximate="tanh"), uniform(seed, shape, scale), device=device)


@EXAMPLES
@given(seed=seeds, shape=st.lists(st.integers(2, 4), min_size=1, max_size=3).map(tuple),
       data=st.data())
def test_softmax(seed, shape, data, device):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    check(nn.Softmax(dim=dim), normal(seed, shape, 2.0), device=device)


@EXAMPLES
@given(seed=seeds, shape=shapes)
def test_identity(seed, shape, device):
    check(nn.Identity(), normal(seed, shape), device=device)


@EXAMPLES
@given(seed=seeds, shape=st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple))
def test_flatten(seed, shape, device):
    check(nn.Flatten(), normal(seed, shape), device=device)


@EXAMPLES
@given(seed=seeds, shape=shapes, p=st.sampled_from([0.0, 0.1, 0.5, 0.9]))
def test_dropout_train(seed, shape, p, device):
    layer = nn.Dropout(p, rng=np.random.default_rng(seed))
    check(layer.train(), normal(seed, shape), device=device)


@EXAMPLES
@given(seed=seeds, shape=shapes, p=st.floats(0.0, 0.9))
def test_dropout_eval(seed, shape, p, device):
    check(nn.Dropout(p, rng=np.random.default_rng(seed)).eval(), normal(seed, shape), device=device)


def batchnorm(seed, channels, affine):
    layer = nn.BatchNorm1d(channels, affine=affine, momentum=0.3, dtype=np.float64)
    rng = gen(seed, 3)
    if affine:
        layer.weight.data[...] = rng.uniform(0.5, 2.0, channels) * rng.choice([-1, 1], channels)
        layer.bias.data[...] = rng.standard_normal(channels)
    layer.running_mean[...] = rng.standard_normal(channels)
    layer.running_var[...] = rng.uniform(0.5, 2.0, channels)
    return layer


# Training-mode batch norm needs at least 3 values per channel: with 1 the output is constant,
# with 2 it is +-1 whatever the input, and the input gradient is 0 up to eps.
@EXAMPLES
@given(seed=seeds, n=st.integers(3, 6), channels=small, affine=st.booleans())
def test_batchnorm1d_train_2d(seed, n, channels, affine, device):
    check(batchnorm(seed, channels, affine).train(), normal(seed, (n, channels), 2.0) + 1.0, device=device)


@EXAMPLES
@given(seed=seeds, n=st.integers(1, 4), channels=small, length=st.integers(3, 4), affine=st.booleans())
def test_batchnorm1d_train_3d(seed, n, channels, length, affine, device):
    x = normal(seed, (n, channels, length), 2.0) - 1.0
    check(batchnorm(seed, channels, affine).train(), x, device=device)


@EXAMPLES
@given(seed=seeds, n=small, channels=small, affine=st.booleans())
def test_batchnorm1d_eval_2d(seed, n, channels, affine, device):
    check(batchnorm(seed, channels, affine).eval(), normal(seed, (n, channels), 2.0), device=device)


@EXAMPLES
@given(seed=seeds, n=small, channels=small, length=small, affine=st.booleans())
def test_batchnorm1d_eval_3d(seed, n, channels, length, affine, device):
    check(batchnorm(seed, channels, affine).eval(), normal(seed, (n, channels, length), 2.0), device=device)


# ---- losses -----------------------------------------------------------------------------------
# Logits within +-3: with a margin of more than ~15 the gradient (1 - p) / N falls below 1e-6,
# and a central difference in float64 (resolution ~1e-10) cannot measure it to 1e-6 relative.
logits = uniform


@EXAMPLES
@given(seed=seeds, n=small, classes=st.integers(2, 6), scale=st.floats(0.1, 3.0))
def test_cross_entropy_index_targets(seed, n, classes, scale, device):
    labels = gen(seed, 1).integers(0, classes, n)
    check(nn.CrossEntropyLoss(), logits(seed, (n, classes), scale), labels, device=device)


@EXAMPLES
@given(seed=seeds, n=small, classes=st.integers(2, 6), one_hot=st.booleans())
def test_cross_entropy_probability_targets(seed, n, classes, one_hot, device):
    rng = gen(seed, 1)
    hard = np.eye(classes)[rng.integers(0, classes, n)]
    target = hard if one_hot else rng.dirichlet(np.ones(classes), n)
    check(nn.CrossEntropyLoss(), logits(seed, (n, classes), 3.0), target, device=device)


@EXAMPLES
@given(seed=seeds, shape=shapes)
def test_mse_loss(seed, shape, device):
    check(nn.MSELoss(), normal(seed, shape), normal(seed, shape, salt=1), device=device)


@EXAMPLES
@given(seed=seeds, shape=shapes, scale=st.floats(0.1, 8.0))
def test_bce_with_logits_loss(seed, shape, scale, device):
    target = gen(seed, 1).uniform(0.0, 1.0, shape)
    check(nn.BCEWithLogitsLoss(), normal(seed, shape, scale), target, device=device)


# ---- a model ----------------------------------------------------------------------------------
@EXAMPLES
@given(
    seed=seeds,
    n=st.integers(3, 5),
    sizes=st.lists(st.integers(1, 5), min_size=2, max_size=4),
    act=st.sampled_from(["relu", "sigmoid", "tanh", "leaky_relu", "gelu"]),
    batchnorm_=st.booleans(),
    dropout=st.sampled_from([0.0, 0.3]),
    train=st.booleans(),
)
def test_mlp(seed, n, sizes, act, batchnorm_, dropout, train, device):
    sizes = [4, *sizes]  # inputs of shape (n, 2, 2), flattened by the model
    model = MLP(sizes, activation=act, batchnorm=batchnorm_, dropout=dropout,
                rng=np.random.default_rng(seed), dtype=np.float64)
    model.train(train)
    for _, p in model.named_parameters():
        if p.data.ndim == 1:
            p.data += normal(seed, p.data.shape, 0.5, salt=4)
    x = normal(seed, (n, 2, 2))
    # Skip the rare ill-conditioned draws: a hidden unit within 1e-3 of a ReLU kink, or a
    # training-mode batch norm fed a nearly constant batch (ReLU can zero all but one sample),
    # whose 1/std amplifies the rounding noise of the central difference past 1e-6.
    probe = copy.deepcopy(model)  # the same generator state as the copy gradcheck makes
    h = probe.flatten(x)
    for layer in probe.layers:
        if isinstance(layer, nn.ReLU | nn.LeakyReLU):
            assume(np.abs(h).min() > 1e-3)
        if isinstance(layer, nn.BatchNorm1d) and train:
            assume(h.std(axis=0).min() > 0.05)
        h = layer(h)
    check(model, x, device=device)
