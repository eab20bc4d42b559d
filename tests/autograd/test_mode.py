"""no_grad is per thread and comes back after an exception; scope names the layer of an operation."""

import threading

import numpy as np
import pytest

from scratchdl.autograd import Tensor, enable_grad, is_grad_enabled, no_grad, scope, set_grad_enabled


def test_no_grad_records_nothing_and_restores_on_exceptions():
    x = Tensor(np.ones(2), requires_grad=True)
    with no_grad():
        y = x * 2
        assert not is_grad_enabled()
    assert y.grad_fn is None and not y.requires_grad and is_grad_enabled()
    with pytest.raises(RuntimeError), no_grad():
        raise RuntimeError("boom")
    assert is_grad_enabled()


def test_no_grad_is_per_thread():
    x = Tensor(np.ones(2), requires_grad=True)
    seen = {}
    inside, done = threading.Event(), threading.Event()

    def other():
        inside.wait()
        seen["other"] = (x * 2).grad_fn is not None      # this thread is not in no_grad
        done.set()

    thread = threading.Thread(target=other)
    thread.start()
    with no_grad():
        inside.set()
        done.wait()
        seen["here"] = (x * 2).grad_fn is not None
    thread.join()
    assert seen == {"other": True, "here": False}


def test_decorators_and_nesting():
    x = Tensor(np.ones(2), requires_grad=True)

    @no_grad()
    def evaluate():
        with enable_grad():
            inner = (x * 2).requires_grad
        return (x * 2).requires_grad, inner

    assert evaluate() == (False, True)
    with set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert set_grad_enabled(False)(lambda: is_grad_enabled())() is False


def test_scope_names_the_layer_of_each_recorded_operation():
    x = Tensor(np.ones(2), requires_grad=True)
    with scope("features.0", "Conv2d"):
        y = x * 2
    z = y + 1
    assert y.grad_fn.scope == ("features.0", "Conv2d", "forward") and z.grad_fn.scope is None
