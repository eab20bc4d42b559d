"""Ten successive steps of every optimizer equal PyTorch 2.13's (1e-5 relative in float32, 1e-10 in
float64), parameters and per-parameter state alike, on NumPy and (the ``device`` fixture) on CuPy
when a GPU is usable; ``state_dict`` / ``load_state_dict`` resume a run
bit for bit; bad options are refused."""

import copy

import numpy as np
import pytest
import torch

from scratchdl import optim
from scratchdl.backend import to_numpy
from scratchdl.errors import ConfigError, StateError
from scratchdl.nn import Parameter

torch.set_num_threads(1)

TOL = {np.float32: 1e-5, np.float64: 1e-10}
DTYPES = [np.float32, np.float64]
SHAPES = [(5, 4), (4,), (3, 2, 2)]
STEPS = 10

# id -> (scratchdl factory, torch factory), both called with a parameter list.
VARIANTS = {
    "sgd": (lambda p: optim.SGD(p, lr=0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
    "sgd_momentum": (
        lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
        lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
    ),
    "sgd_nesterov": (
        lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
        lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    ),
    "sgd_dampening": (
        lambda p: optim.SGD(p, lr=0.1, momentum=0.8, dampening=0.5),
        lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.8, dampening=0.5),
    ),
    "sgd_weight_decay": (
        lambda p: optim.SGD(p, lr=0.1, weight_decay=0.05),
        lambda p: torch.optim.SGD(p, lr=0.1, weight_decay=0.05),
    ),
    "sgd_momentum_weight_decay": (
        lambda p: optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=0.01),
        lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=0.01),
    ),
    "sgd_nesterov_weight_decay": (
        lambda p: optim.SGD(p, lr=0.05, momentum=0.7, nesterov=True, weight_decay=0.01),
        lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.7, nesterov=True, weight_decay=0.01),
    ),
    "momentum": (lambda p: optim.Momentum(p, lr=0.1), lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
    "momentum_weight_decay": (
        lambda p: optim.Momentum(p, lr=0.1, weight_decay=0.02),
        lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.02),
    ),
    "nesterov": (
        lambda p: optim.Nesterov(p, lr=0.1),
        lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    ),
    "adagrad": (lambda p: optim.AdaGrad(p, lr=0.1), lambda p: torch.optim.Adagrad(p, lr=0.1)),
    "adagrad_weight_decay": (
        lambda p: optim.AdaGrad(p, lr=0.1, weight_decay=0.05),
        lambda p: torch.optim.Adagrad(p, lr=0.1, weight_decay=0.05),
    ),
    "rmsprop": (lambda p: optim.RMSProp(p, lr=0.01), lambda p: torch.optim.RMSprop(p, lr=0.01)),
    "rmsprop_alpha": (
        lambda p: optim.RMSProp(p, lr=0.01, alpha=0.9, eps=1e-6),
        lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-6),
    ),
    "rmsprop_momentum": (
        lambda p: optim.RMSProp(p, lr=0.01, momentum=0.9),
        lambda p: torch.optim.RMSprop(p, lr=0.01, momentum=0.9),
    ),
    "rmsprop_centered": (
        lambda p: optim.RMSProp(p, lr=0.01, centered=True),
        lambda p: torch.optim.RMSprop(p, lr=0.01, centered=True),
    ),
    "rmsprop_centered_momentum": (
        lambda p: optim.RMSProp(p, lr=0.01, centered=True, momentum=0.5),
        lambda p: torch.optim.RMSprop(p, lr=0.01, centered=True, momentum=0.5),
    ),
    "rmsprop_weight_decay": (
        lambda p: optim.RMSProp(p, lr=0.01, weight_decay=0.1),
        lambda p: torch.optim.RMSprop(p, lr=0.01, weight_decay=0.1),
    ),
    "adam": (lambda p: optim.Adam(p, lr=0.01), lambda p: torch.optim.Adam(p, lr=0.01)),
    "adam_betas": (
        lambda p: optim.Adam(p, lr=0.02, betas=(0.8, 0.95), eps=1e-6),
        lambda p: torch.optim.Adam(p, lr=0.02, betas=(0.8, 0.95), eps=1e-6),
    ),
    "adam_weight_decay": (
        lambda p: optim.Adam(p, lr=0.01, weight_decay=0.1),
        lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=0.1),
    ),
    "adamw": (lambda p: optim.AdamW(p, lr=0.01), lambda p: torch.optim.AdamW(p, lr=0.01)),
    "adamw_weight_decay": (
        lambda p: optim.AdamW(p, lr=0.01, weight_decay=0.1),
        lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.1),
    ),
}


def make_params(dtype, seed=0, device=None):
    rng = np.random.default_rng(seed)
    put = device.array if device is not None else (lambda a: a)
    return [Parameter(put(rng.standard_normal(shape).astype(dtype))) for shape in SHAPES]


def gradients(dtype, seed=1, steps=STEPS):
    """One list of gradients per step, of varied scale so the adaptive methods have work to do."""
    rng = np.random.default_rng(seed)
    return [
        [(rng.standard_normal(shape) * rng.uniform(0.1, 3.0)).astype(dtype) for shape in SHAPES]
        for _ in range(steps)
    ]


def assert_close(ours, theirs, dtype, what):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs
    ours = to_numpy(ours)
    assert ours.dtype == dtype, what
    tol = TOL[dtype]
    np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol * np.abs(theirs).max(), err_msg=what)


def step_with(opt, params, grads, device=None):
    for p, g in zip(params, grads, strict=True):
        p.grad[...] = g if device is None else device.array(g)
    opt.step()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_ten_steps_equal_torch(variant, dtype, device):
    make_ours, make_torch = VARIANTS[variant]
    params = make_params(dtype, device=device)
    tparams = [torch.nn.Parameter(torch.from_numpy(to_numpy(p.data).copy())) for p in params]
    opt, topt = make_ours(params), make_torch(tparams)
    for step, grads in enumerate(gradients(dtype)):
        step_with(opt, params, grads, device)
        for tp, g in zip(tparams, grads, strict=True):
            tp.grad = torch.from_numpy(g.copy())
        topt.step()
        assert opt.t == step + 1
        for i, (p, tp) in enumerate(zip(params, tparams, strict=True)):
            assert_close(p.data, tp, dtype, f"step {step + 1}, parameter {i}")
            for name, array in opt.state[i].items():  # moments use torch's names
                assert_close(array, topt.state[tp][name], dtype, f"step {step + 1}, {i}.{name}")
    # Every parameter moved, and the optimizer kept state where the method has any.
    for p, p0 in zip(params, make_params(dtype), strict=True):
        assert not np.allclose(to_numpy(p.data), p0.data)
    if variant not in ("sgd", "sgd_weight_decay"):
        assert all(opt.state)


def test_momentum_is_the_courses_update():
    """The course's v <- mu v - lr g, theta <- theta + v, for a constant lr."""
    params = make_params(np.float64)
    theta = [p.data.copy() for p in params]
    v = [np.zeros_like(t) for t in theta]
    opt = optim.Momentum(params, lr=0.05)
    for grads in gradients(np.float64):
        step_with(opt, params, grads)
        for i, g in enumerate(grads):
            v[i] = 0.9 * v[i] - 0.05 * g
            theta[i] = theta[i] + v[i]
    for p, t in zip(params, theta, strict=True):
        np.testing.assert_allclose(p.data, t, rtol=1e-12)


def test_adagrad_is_the_courses_update_up_to_eps():
    """The course's h <- h + g^2, theta <- theta - lr g / (sqrt(h) + 1e-7)."""
    params = make_params(np.float64)
    theta = [p.data.copy() for p in params]
    h = [np.zeros_like(t) for t in theta]
    opt = optim.AdaGrad(params, lr=0.1, eps=1e-7)
    for grads in gradients(np.float64):
        step_with(opt, params, grads)
        for i, g in enumerate(grads):
            h[i] += g * g
            theta[i] -= 0.1 * g / (np.sqrt(h[i]) + 1e-7)
    for p, t in zip(params, theta, strict=True):
        np.testing.assert_allclose(p.data, t, rtol=1e-12)


# ---- resuming ---------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_state_dict_resumes_bit_for_bit(variant, dtype):
    make_ours, _ = VARIANTS[variant]
    grads = gradients(dtype)
    straight = make_params(dtype)
    opt = make_ours(straight)
    for g in grads:
        step_with(opt, straight, g)

    resumed = make_params(dtype)
    first = make_ours(resumed)
    for g in grads[:5]:
        step_with(first, resumed, g)
    saved = copy.deepcopy(first.state_dict())  # as a checkpoint would hold it
    del first
    second = make_ours(resumed)
    second.lr = 123.0  # overwritten by load_state_dict
    second.load_state_dict(saved)
    assert second.t == 5 and second.lr == opt.lr
    for g in grads[5:]:
        step_with(second, resumed, g)

    assert second.t == opt.t == STEPS
    for a, b in zip(straight, resumed, strict=True):
        np.testing.assert_array_equal(a.data, b.data)
        assert a.data.dtype == b.data.dtype == dtype
    assert opt.state_dict()["state"].keys() == second.state_dict()["state"].keys()
    for key, array in opt.state_dict()["state"].items():
        np.testing.assert_array_equal(array, second.state_dict()["state"][key])
        assert array.dtype == second.state_dict()["state"][key].dtype


def test_state_dict_contents():
    opt = optim.Adam(make_params(np.float32), lr=0.01, betas=(0.8, 0.9))
    step_with(opt, opt.params, gradients(np.float32, steps=1)[0])
    state = opt.state_dict()
    assert state["t"] == 1
    assert state["hyper"] == {"lr": 0.01, "betas": (0.8, 0.9), "eps": 1e-8, "weight_decay": 0.0}
    assert set(state["state"]) == {f"{i}.{k}" for i in range(3) for k in ("exp_avg", "exp_avg_sq")}


def test_load_state_dict_for_more_parameters_is_refused():
    big = optim.SGD(make_params(np.float32), lr=0.1, momentum=0.9)
    step_with(big, big.params, gradients(np.float32, steps=1)[0])
    small = optim.SGD(make_params(np.float32)[:1], lr=0.1, momentum=0.9)
    with pytest.raises(StateError, match="state for parameter 1, but the optimizer has 1"):
        small.load_state_dict(big.state_dict())


# ---- zero_grad and errors ---------------------------------------------------------------------
def test_zero_grad_clears_every_parameter():
    params = make_params(np.float32)
    opt = optim.Adam(params)
    for p, g in zip(params, gradients(np.float32, steps=1)[0], strict=True):
        p.grad[...] = g
    opt.zero_grad()
    assert all((p.grad == 0).all() for p in params)


CLASSES = [optim.SGD, optim.Momentum, optim.Nesterov, optim.AdaGrad, optim.RMSProp, optim.Adam, optim.AdamW]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("lr", [0.0, -0.1, float("nan")])
def test_learning_rate_must_be_positive(cls, lr):
    with pytest.raises(ConfigError, match=f"{cls.__name__}: lr must be > 0"):
        cls(make_params(np.float32), lr=lr)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_empty_parameter_list(cls):
    with pytest.raises(ConfigError, match=f"{cls.__name__}: got an empty parameter list"):
        cls([], lr=0.1)
    with pytest.raises(ConfigError, match="got an empty parameter list"):
        cls(iter([]), lr=0.1)


def test_arrays_instead_of_parameters():
    with pytest.raises(ConfigError, match="expected Parameters \\(model.parameters\\(\\)\\), got ndarray"):
        optim.SGD([np.zeros(3)], lr=0.1)


def test_negative_options():
    params = make_params(np.float32)
    with pytest.raises(ConfigError, match="momentum must be >= 0"):
        optim.SGD(params, lr=0.1, momentum=-0.5)
    with pytest.raises(ConfigError, match="weight_decay must be >= 0"):
        optim.Adam(params, weight_decay=-1.0)
    with pytest.raises(ConfigError, match="eps must be > 0"):
        optim.RMSProp(params, eps=0.0)
