"""Function: a learner's own operation, forward on arrays and backward on Tensors."""

import numpy as np
import pytest

from scratchdl.autograd import Function, Tensor, grad
from scratchdl.errors import GraphError


class Square(Function):
    def forward(self, x):
        self.save_for_backward(*self.inputs)
        return x * x

    def backward(self, gy):
        (x,) = self.saved_tensors
        return gy * 2 * x


class WrongShape(Function):
    def forward(self, x):
        return x.sum()

    def backward(self, gy):
        return gy                      # should be broadcast back to x's shape


def test_a_function_of_ones_own_has_first_and_second_derivatives():
    x = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    y = Square()(x).sum()
    (g,) = grad(y, [x], create_graph=True)
    np.testing.assert_array_equal(g.numpy(), [2, -4, 6])
    (gg,) = grad(g.sum(), [x])
    np.testing.assert_array_equal(gg.numpy(), [2, 2, 2])
    assert y.grad_fn.generation == 1 and y.generation == 2


def test_a_gradient_of_the_wrong_shape_is_caught_with_the_function_named():
    x = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(GraphError, match=r"WrongShape.backward returned a gradient of shape \(\) for an "
                                         r"input of shape \(3,\)"):
        WrongShape()(x).backward()


def test_functions_without_a_tensor_are_refused():
    with pytest.raises(GraphError, match="at least one Tensor"):
        Square()(np.ones(2))


def test_arrays_and_numbers_become_constants_and_bad_operands_are_named():
    x = Tensor(np.ones(2, np.float32), requires_grad=True)
    assert (x + [1, 2]).dtype == np.float32
    with pytest.raises(GraphError, match="cannot use a str as an operand"):
        x + "a"
