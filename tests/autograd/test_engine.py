"""The backward pass: book 1's golden graphs, order by generation, freeing, retaining, weak outputs,
and the traps of micrograd and DeZero that this engine must not fall into."""

import gc
import sys
import types
import weakref

import numpy as np
import pytest

from scratchdl.autograd import Tensor, grad
from scratchdl.autograd import functional as F
from scratchdl.errors import DeviceError, GraphError, ShapeError


def scalar(value, name=None):
    return Tensor(np.float64(value), requires_grad=True, name=name)


def test_apples():
    """Book 1, chapter 5: 2 apples at 100 yen with 10% tax: 220; d apple 2.2, d count 110, d tax 200."""
    apple, count, tax = scalar(100), scalar(2), scalar(1.1)
    price = apple * count * tax
    price.backward()
    assert float(price) == pytest.approx(220)
    assert (float(apple.grad), float(count.grad), float(tax.grad)) == pytest.approx((2.2, 110, 200))


def test_apples_and_oranges():
    """Book 1: 2 apples at 100 and 3 oranges at 150, tax 1.1: 715; 2.2, 110, 3.3, 165, 650."""
    apple, apples, orange, oranges, tax = scalar(100), scalar(2), scalar(150), scalar(3), scalar(1.1)
    price = (apple * apples + orange * oranges) * tax
    price.backward()
    assert float(price) == pytest.approx(715)
    got = [float(t.grad) for t in (apple, apples, orange, oranges, tax)]
    assert got == pytest.approx([2.2, 110, 3.3, 165, 650])


def test_gradients_of_several_uses_add_up_and_wait_for_every_use():
    """y = (x + x) * x^2 - x: a diamond; dy/dx = 6 x^2 - 1, which needs all three uses summed before
    the shared node's backward runs (order by generation)."""
    x = scalar(3.0)
    a = x + x
    b = x * x
    y = a * b - x
    y.backward()
    assert float(x.grad) == 6 * 9 - 1


def test_a_second_backward_adds_the_same_gradient_again():
    """micrograd's trap: there, a node's gradient from the first backward is still in it during the
    second and is passed on again, so the leaf gets 12 + 24. Here each backward starts from fresh
    gradients and adds its own into ``grad``: 12 + 12 (and 3 + 3 for a tensor that keeps its own)."""
    x = scalar(2.0)
    h = (x * x).retain_grad()
    y = h * 3
    y.backward(retain_graph=True)
    assert float(h.grad) == 3 and float(x.grad) == 12
    y.backward()
    assert float(h.grad) == 6 and float(x.grad) == 24


def test_a_deep_graph_needs_no_recursion():
    x = scalar(1.0)
    y = x
    for _ in range(3 * sys.getrecursionlimit()):
        y = y * 1.0 + 0.0
    y.backward()
    assert float(x.grad) == 1.0


def test_backward_through_a_freed_graph_is_a_graph_error():
    x = scalar(2.0)
    y = (x * x).exp()
    y.backward()
    with pytest.raises(GraphError, match=r"freed by an earlier backward\(\); pass retain_graph=True"):
        y.backward()
    x2 = scalar(2.0)
    y2 = (x2 * x2).exp()
    y2.backward(retain_graph=True)
    y2.backward()
    np.testing.assert_allclose(float(x2.grad), 2 * 4 * np.exp(4.0))


def test_backward_of_a_non_scalar_needs_its_gradient_and_names_the_shape():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    y = x * 2
    with pytest.raises(ShapeError, match=r"shape \(2, 3\), not a single number.*grad=\.\.\."):
        y.backward()
    with pytest.raises(ShapeError, match=r"the gradient has shape \(3,\), the output \(2, 3\)"):
        y.backward(np.ones(3))
    y.backward(np.full((2, 3), 0.5))
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((2, 3)))


def test_backward_of_a_tensor_without_a_graph_is_a_graph_error():
    with pytest.raises(GraphError, match="does not require grad and has no grad_fn"):
        (Tensor(np.ones(2)) * 2).sum().backward()


def test_a_saved_tensor_changed_in_place_is_named():
    w = Tensor(np.ones(3), requires_grad=True, name="w")
    x = Tensor(np.arange(3.0), name="x")
    y = (w * x).sum()
    x[0] = 7                                          # changed after Mul saved it
    with pytest.raises(GraphError, match=r"Mul: its input 1 'x' \(shape \(3,\)\) was changed in place.*"
                                         r"version 0 then, 1 now"):
        y.backward()


def test_an_output_saved_by_its_own_function_is_checked_too():
    x = Tensor(np.ones(3), requires_grad=True)
    y = x.exp()
    z = (y * 1.0).sum()
    with no_grad_block():
        y[0] = 0
    with pytest.raises(GraphError, match="Exp: its output 0"):
        z.backward()


def no_grad_block():
    from scratchdl.autograd import no_grad

    return no_grad()


def test_an_optimizer_step_between_forward_and_backward_is_caught():
    from scratchdl.optim import SGD

    w = Tensor(np.ones(3), requires_grad=True, name="w")
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    SGD([w], lr=0.1).step()
    with pytest.raises(GraphError, match="'w'"):
        loss.backward()


def test_dropping_the_output_frees_the_graph_without_the_garbage_collector():
    gc.disable()
    try:
        x = Tensor(np.ones(1000), requires_grad=True)
        y = (x.exp() * 2).tanh().sum()
        node = weakref.ref(y.grad_fn)
        inner = weakref.ref(y.grad_fn.next_edges[0][0])
        del y
        assert node() is None and inner() is None      # no reference cycle keeps the graph alive
    finally:
        gc.enable()


def test_intermediate_gradients_are_freed_unless_retained():
    x = scalar(2.0)
    h = x * x
    kept = (x * 3).retain_grad()
    (h * kept).backward()
    assert h.grad is None and float(kept.grad) == 4 and float(x.grad) == 9 * 2 ** 2   # y = 3 x^3


def test_grad_returns_gradients_without_touching_grad():
    x, y = scalar(2.0), scalar(5.0)
    z = x * y
    gx, gy = grad(z, [x, y])
    assert (float(gx), float(gy)) == (5, 2) and x.grad is None and y.grad is None
    assert float(grad(x * x, x)) == 4


def test_grad_of_an_intermediate_tensor():
    x = scalar(3.0)
    h = x * x
    y = h * h
    (gh,) = grad(y, [h])
    assert float(gh) == 2 * 9


def test_a_second_derivative_that_is_zero_is_zero_not_none():
    """DeZero's trap: y = z * x; dy/dx = z does not depend on x, so d2y/dx2 is 0, not None."""
    x, z = scalar(2.0), scalar(3.0)
    (gx,) = grad(x * z, [x], create_graph=True)
    assert float(gx) == 3
    (ggx,) = grad(gx, [x])
    assert float(ggx) == 0.0


def test_higher_derivatives_of_x_cubed():
    x = scalar(2.0)
    y = x ** 3
    g1 = grad(y, x, create_graph=True)
    g2 = grad(g1, x, create_graph=True)
    g3 = grad(g2, x, create_graph=True)
    assert (float(g1), float(g2), float(g3)) == (12, 12, 6)


def test_create_graph_leaves_a_differentiable_grad():
    x = scalar(3.0)
    (x ** 2).backward(create_graph=True)
    gx = x.grad
    assert gx.grad_fn is not None and float(gx) == 6
    x.grad = None
    gx.backward()
    assert float(x.grad) == 2


def test_grad_input_must_require_grad():
    with pytest.raises(GraphError, match="does not require grad"):
        grad(scalar(1.0) * 2, [Tensor(np.float64(1.0))])


def test_tensors_on_two_devices_are_a_device_error():
    """A CuPy-like array (its type's module is cupy) beside a NumPy one: the op is named."""
    fake = types.new_class("ndarray", (np.ndarray,))
    fake.__module__ = "cupy._core.core"
    gpu = Tensor(np.ones(3)).data.view(fake)
    with pytest.raises(DeviceError, match=r"Add: its tensors are on cpu and cuda"):
        Tensor(np.ones(3)) + Tensor(gpu)


def test_gelu_of_a_relu_network_trains_with_float32_end_to_end():
    rng = np.random.default_rng(0)
    w = Tensor(rng.normal(size=(4, 3)).astype(np.float32), requires_grad=True)
    x = Tensor(rng.normal(size=(5, 4)).astype(np.float32))
    loss = F.cross_entropy(F.gelu(x @ w), np.array([0, 1, 2, 0, 1]))
    loss.backward()
    assert loss.dtype == np.float32 and w.grad.dtype == np.float32
