"""The book's optimizers (scratchdl.common.optimizer) against scratchdl.optim (PyTorch's rules) with the
book's eps put back, to 1e-10; the book's ch06 optimizer comparison as a test; errors in the book's terms."""

# ruff: noqa: NPY002 (the book draws from NumPy's global generator; so do these tests, to match it)

import numpy as np
import pytest
from common_reference import BookAdam, assert_close, book_names, gradients, loss_with_decay, mlp

from scratchdl import nn, optim
from scratchdl.common.multi_layer_net import MultiLayerNet
from scratchdl.common.optimizer import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSprop
from scratchdl.errors import ArgumentError, ConfigError, ShapeError

PAIRS = {   # the book's optimizer -> scratchdl.optim's with the book's numbers, given the parameters
    "SGD": (lambda: SGD(lr=0.1), lambda ps: optim.SGD(ps, lr=0.1)),
    "Momentum": (lambda: Momentum(lr=0.1, momentum=0.8), lambda ps: optim.Momentum(ps, lr=0.1, momentum=0.8)),
    "Nesterov": (lambda: Nesterov(lr=0.1), lambda ps: optim.Nesterov(ps, lr=0.1)),
    "AdaGrad": (lambda: AdaGrad(lr=0.1), lambda ps: optim.AdaGrad(ps, lr=0.1, eps=1e-7)),
    "RMSprop": (lambda: RMSprop(lr=0.01, decay_rate=0.9),
                lambda ps: optim.RMSProp(ps, lr=0.01, alpha=0.9, eps=1e-7)),
    "Adam": (lambda: Adam(lr=0.01, beta1=0.8, beta2=0.99),
             lambda ps: BookAdam(ps, lr=0.01, betas=(0.8, 0.99))),
}


@pytest.mark.parametrize("name", PAIRS)
def test_ten_updates_equal_scratchdl_optim_with_the_books_eps_and_change_the_arrays_in_place(name):
    rng = np.random.default_rng(0)
    start = {"W1": rng.standard_normal((3, 4)), "b1": rng.standard_normal(4)}
    params = {k: v.copy() for k, v in start.items()}
    arrays = dict(params)
    ours = {k: nn.Parameter(v.copy()) for k, v in start.items()}
    book, reference = PAIRS[name][0](), PAIRS[name][1](list(ours.values()))
    for _ in range(10):
        grads = {k: rng.standard_normal(v.shape) for k, v in start.items()}
        book.update(params, grads)
        for k, p in ours.items():
            p.grad[...] = grads[k]
        reference.step()
    assert all(params[k] is arrays[k] for k in params)
    assert_close(params, {k: p.data for k, p in ours.items()}, tol=1e-12)


def test_the_books_adam_is_not_pytorchs_eps():
    """The kept quirk moves the weights: after 10 steps of 1e-3 on small gradients they differ from
    PyTorch's Adam (eps 1e-8) by far more than rounding."""
    rng = np.random.default_rng(1)
    start = rng.standard_normal(50)
    params, torch_style = {"W": start.copy()}, nn.Parameter(start.copy())
    book, theirs = Adam(), optim.Adam([torch_style])
    for _ in range(10):
        g = rng.standard_normal(50) * 1e-5
        book.update(params, {"W": g})
        torch_style.grad[...] = g
        theirs.step()
    assert np.abs(params["W"] - torch_style.data).max() > 1e-6


def test_ch06_optimizer_compare_four_optimizers_on_one_batch_stream():
    """ch06/optimizer_compare_mnist.py, short: four MultiLayerNets [h]*4 made one after another,
    each step one shared batch drawn with replacement, each optimizer its own network."""
    rng = np.random.default_rng(2)
    x, t = rng.random((60, 784)).astype(np.float32), rng.integers(0, 10, 60)
    names = ["SGD", "Momentum", "AdaGrad", "Adam"]
    np.random.seed(3)
    networks = {k: MultiLayerNet(784, [8, 8, 8, 8], 10) for k in names}
    optimizers = {"SGD": SGD(), "Momentum": Momentum(), "AdaGrad": AdaGrad(), "Adam": Adam()}
    losses = {k: [] for k in names}
    for _ in range(4):
        mask = np.random.choice(60, 16)
        for k in names:
            optimizers[k].update(networks[k].params, networks[k].gradient(x[mask], t[mask]))
            losses[k].append(networks[k].loss(x[mask], t[mask]))

    np.random.seed(3)
    sizes = [784, 8, 8, 8, 8, 10]
    models = {}
    for k in names:                               # the same draws, in the same order: He weights, zero biases
        params = {}
        for i in range(1, 6):
            params[f"W{i}"] = np.sqrt(2.0 / sizes[i - 1]) * np.random.randn(sizes[i - 1], sizes[i])
            params[f"b{i}"] = np.zeros(sizes[i])
        models[k] = mlp(params, 4)
    make = {"SGD": lambda ps: optim.SGD(ps, lr=0.01), "Momentum": lambda ps: optim.Momentum(ps, lr=0.01),
            "AdaGrad": lambda ps: optim.AdaGrad(ps, lr=0.01, eps=1e-7),
            "Adam": lambda ps: BookAdam(ps, lr=0.001)}
    steps = {k: make[k](list(book_names(models[k]).values())) for k in names}
    for i in range(4):
        mask = np.random.choice(60, 16)
        for k in names:
            gradients(models[k], x[mask], t[mask])
            steps[k].step()
            assert abs(losses[k][i] - loss_with_decay(models[k], x[mask], t[mask])) < 1e-10, (k, i)
    for k in names:
        assert_close(networks[k].params, {n: p.data for n, p in book_names(models[k]).items()})


def test_the_books_keyword_names_are_taken_and_others_refused():
    assert RMSprop(decay_rate=0.9).decay_rate == 0.9
    adam = Adam(lr=0.01, beta1=0.8, beta2=0.99)
    assert (adam.lr, adam.beta1, adam.beta2) == (0.01, 0.8, 0.99)
    with pytest.raises(ArgumentError, match=r"RMSprop\(lr=0.01, decay_rate=0.99\): got an unexpected"):
        RMSprop(alpha=0.9)
    with pytest.raises(ArgumentError, match=r"the book's call is Adam\(lr=0.001, beta1=0.9, beta2=0.999\)"):
        Adam(betas=(0.9, 0.999))


def test_update_errors_speak_of_the_books_dicts():
    model = nn.Linear(2, 3)
    with pytest.raises(ArgumentError, match=r"params must be a dict name -> array .*scratchdl\.optim\.SGD"):
        SGD().update(model.parameters(), {})
    with pytest.raises(ArgumentError, match=r"RMSProp\(model\.parameters\(\)"):
        RMSprop().update([np.ones(2)], {})
    with pytest.raises(ConfigError, match=r"grads has no entry 'b1'"):
        Adam().update({"W1": np.ones(2), "b1": np.ones(2)}, {"W1": np.ones(2)})
    with pytest.raises(ShapeError, match=r"params\['W1'\] has shape \(2,\) but grads\['W1'\] has"):
        Momentum().update({"W1": np.ones(2)}, {"W1": np.ones(3)})
    with pytest.raises(ArgumentError, match=r"params\['W'\] must be an array, got the scratchdl.nn object"):
        AdaGrad().update({"W": model.weight}, {"W": np.ones((2, 3))})
