"""The book's numerical gradients (scratchdl.common.gradient): central differences, h = 1e-4, every
entry restored; the 1-D, row-by-row and any-shape versions."""

import numpy as np

from scratchdl.common.gradient import numerical_gradient, numerical_gradient_2d


def test_central_differences_of_a_cubic_restore_every_entry():
    w = np.random.default_rng(0).random((2, 3, 2))
    before = w.copy()
    grad = numerical_gradient(lambda _: np.sum(w ** 3), w)       # f ignores its argument, as the book's do
    np.testing.assert_array_equal(w, before)
    np.testing.assert_allclose(grad, 3 * w ** 2 + 1e-8, atol=1e-7)   # exact but for the h^2 f'''/6 term
    np.testing.assert_allclose(grad, 3 * w ** 2, atol=2e-8)


def test_row_by_row_gradient_of_the_book():
    X = np.array([[3.0, 4.0], [0.0, 2.0]])  # noqa: N806
    np.testing.assert_allclose(numerical_gradient_2d(lambda x: np.sum(x ** 2), X), 2 * X, atol=1e-8)
    row = X[0].copy()
    np.testing.assert_allclose(numerical_gradient_2d(lambda x: np.sum(x ** 2), row), [6.0, 8.0], atol=1e-8)
