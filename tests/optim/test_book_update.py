"""The book's optimizer spelling: ``opt = SGD(lr=...)`` without parameters, then
``opt.update(params, grads)`` with dicts name -> array, updating the arrays in place with the same
steps as scratchdl's ``step()``; clear errors for the spellings in between."""

import numpy as np
import pytest

from scratchdl import optim
from scratchdl.errors import ConfigError, ShapeError, StateError
from scratchdl.nn import Parameter

FACTORIES = {
    "sgd": lambda params=None: optim.SGD(params, lr=0.1),
    "momentum": lambda params=None: optim.Momentum(params, lr=0.1),
    "adagrad": lambda params=None: optim.AdaGrad(params, lr=0.1),
    "rmsprop": lambda params=None: optim.RMSProp(params, lr=0.01),
    "adam": lambda params=None: optim.Adam(params, lr=0.01),
    "adamw": lambda params=None: optim.AdamW(params, lr=0.01),
}


@pytest.mark.parametrize("name", FACTORIES)
def test_update_of_dicts_equals_step_and_changes_the_arrays_in_place(name):
    rng = np.random.default_rng(0)
    start = {"W1": rng.standard_normal((3, 4)), "b1": rng.standard_normal(4)}
    grads = [{k: rng.standard_normal(v.shape) for k, v in start.items()} for _ in range(5)]

    params = {k: v.copy() for k, v in start.items()}
    arrays = dict(params)  # the same array objects: the book's network holds these
    book = FACTORIES[name]()
    for g in grads:
        book.update(params, g)

    ours = {k: Parameter(v.copy()) for k, v in start.items()}
    opt = FACTORIES[name](list(ours.values()))
    for g in grads:
        for k, p in ours.items():
            p.grad[...] = g[k]
        opt.step()

    for k in start:
        assert params[k] is arrays[k]
        np.testing.assert_array_equal(params[k], ours[k].data)
        assert not np.array_equal(params[k], start[k])


def test_the_books_momentum_formula():
    """v <- 0.9 v - lr g, W <- W + v: the book's Momentum, with constant lr."""
    rng = np.random.default_rng(1)
    w = rng.standard_normal(5)
    params, v, expected = {"W": w.copy()}, np.zeros(5), w.copy()
    opt = optim.Momentum(lr=0.1)
    for _ in range(4):
        g = rng.standard_normal(5)
        opt.update(params, {"W": g})
        v = 0.9 * v - 0.1 * g
        expected += v
    np.testing.assert_allclose(params["W"], expected, rtol=1e-12)


def test_book_spellings_that_cannot_work_say_the_scratchdl_one():
    with pytest.raises(StateError, match=r"update\(params, grads\).*SGD\(model\.parameters\(\), lr=0\.1\)"):
        optim.SGD(lr=0.1).step()
    with pytest.raises(ConfigError, match=r"write SGD\(model\.parameters\(\), lr=0\.01\)"):
        optim.SGD(0.01)
    with pytest.raises(ConfigError, match=r"two dicts name -> array.*Adam\(model\.parameters\(\)"):
        optim.Adam().update([np.zeros(2)], [np.zeros(2)])
    with pytest.raises(ConfigError, match="grads has no entry for 'b1'"):
        optim.SGD().update({"W1": np.zeros(2), "b1": np.zeros(2)}, {"W1": np.zeros(2)})
    with pytest.raises(ShapeError, match=r"params\['W1'\] has shape \(2,\) but grads\['W1'\] has shape"):
        optim.SGD().update({"W1": np.zeros(2)}, {"W1": np.zeros(3)})
    with pytest.raises(ConfigError, match="empty parameter list"):
        optim.SGD([])
