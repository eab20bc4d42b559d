"""The book's functions (scratchdl.common.functions): output first, cross_entropy_error(y, t), the
book's numbers against independent formulas, and the course's order refused where it can be told."""

import numpy as np
import pytest
from common_reference import book_loss

from scratchdl import functions as course
from scratchdl import nn
from scratchdl.common import functions as F
from scratchdl.errors import ArgumentError


def test_softmax_normalises_the_last_axis_of_a_3d_input():
    z = np.random.default_rng(0).standard_normal((2, 3, 4)) * 5
    expected = np.stack([np.exp(row - row.max()) / np.exp(row - row.max()).sum() for row in z.reshape(6, 4)])
    np.testing.assert_allclose(F.softmax(z), expected.reshape(z.shape), atol=1e-15)
    np.testing.assert_allclose(F.softmax(z).sum(axis=-1), 1.0, atol=1e-15)
    assert abs(course.softmax(z).sum() - 1.0) < 1e-12          # the course's: one distribution over all 24
    np.testing.assert_allclose(F.softmax(z[0, 0]), course.softmax(z[0, 0]), atol=1e-16)


def test_cross_entropy_error_takes_the_output_first_with_labels_or_one_hot():
    rng = np.random.default_rng(1)
    scores, t = rng.standard_normal((5, 3)), rng.integers(0, 3, 5)
    y = F.softmax(scores)
    assert abs(F.cross_entropy_error(y, t) - book_loss(scores, t)) < 1e-12
    assert abs(F.cross_entropy_error(y, np.eye(3)[t]) - book_loss(scores, t)) < 1e-12
    assert F.cross_entropy_error(y, t) == course.cross_entropy_error(t, y)          # same number, other order
    assert abs(F.cross_entropy_error(y[0], np.eye(3)[t[0]]) - book_loss(scores[:1], t[:1])) < 1e-12
    assert abs(F.softmax_loss(scores, t) - book_loss(scores, t)) < 1e-12


@pytest.mark.parametrize("first,second", [
    ("labels", "y"),                # cross_entropy_error(t, y): integer labels first
    ("one_hot", "y"),               # cross_entropy_error(d, y), the course's order with one-hot d
])
def test_the_courses_order_is_an_error_naming_the_books(first, second):
    rng = np.random.default_rng(2)
    y, t = F.softmax(rng.standard_normal((4, 3))), rng.integers(0, 3, 4)
    args = {"labels": t, "one_hot": np.eye(3)[t], "y": y}
    with pytest.raises(ArgumentError, match=r"cross_entropy_error\(y, t\) takes the network's output"):
        F.cross_entropy_error(args[first], args[second])
    with pytest.raises(ArgumentError, match="takes the scores X first"):
        F.softmax_loss(t, rng.standard_normal((4, 3)))


def test_derivatives_and_the_rest_match_nn_and_the_books_choices():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 4))
    sigmoid = nn.Sigmoid()
    sigmoid(x)
    np.testing.assert_allclose(F.sigmoid_grad(x), sigmoid.backward(np.ones_like(x)), atol=1e-16)
    np.testing.assert_array_equal(F.relu_grad(np.array([-1.0, 0.0, 2.0])), [0.0, 1.0, 1.0])   # 1 at 0
    assert F.relu_grad(x).dtype == x.dtype
    np.testing.assert_array_equal(F.step_function(np.array([-1.0, 0.0, 2.0])), [0, 0, 1])
    assert F.step_function(x).dtype.kind == "i" and F.identity_function(x) is x
    np.testing.assert_array_equal(F.relu(x), np.maximum(x, 0))
    assert F.sum_squared_error(x, 0.5 * x) == pytest.approx(0.5 * np.sum((0.5 * x) ** 2), rel=1e-15)
    np.testing.assert_array_equal(F.sigmoid(np.array([-1000.0, 1000.0])), [0.0, 1.0])
