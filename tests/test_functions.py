"""``scratchdl.functions`` against the course's ``common/functions.py``.

The ``course_*`` functions below are the course's formulas, written out here as the reference:
a learner's notebook that did ``from common import functions`` must print the same numbers
with ``from scratchdl import functions``.
"""

import warnings

import numpy as np
import pytest

from scratchdl import functions as F
from scratchdl.errors import ScratchDLWarning, SwappedArgumentsWarning

# The course's own calls, (d, y), must never be taken for swapped ones: the warning fails any test here.
pytestmark = pytest.mark.filterwarnings("error::scratchdl.errors.SwappedArgumentsWarning")


@pytest.fixture(autouse=True)
def not_yet_warned(monkeypatch):
    """Each test starts as a fresh process would: the swapped-arguments warning not yet given."""
    monkeypatch.setattr(F, "_warned_swapped", False)


# ---- the course's formulas (reference) --------------------------------------------------------
def course_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def course_relu(x):
    return np.maximum(0, x)


def course_step_function(x):
    return np.where(x > 0, 1, 0)


def course_softmax(x):
    if x.ndim == 2:
        x = x.T
        x = x - np.max(x, axis=0)
        y = np.exp(x) / np.sum(np.exp(x), axis=0)
        return y.T
    x = x - np.max(x)
    return np.exp(x) / np.sum(np.exp(x))


def course_mean_squared_error(d, y):
    return np.mean(np.square(d - y)) / 2


def course_cross_entropy_error(d, y):
    if y.ndim == 1:
        d = d.reshape(1, d.size)
        y = y.reshape(1, y.size)
    if d.size == y.size:
        d = d.argmax(axis=1)
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), d] + 1e-7)) / batch_size


def course_softmax_with_loss(d, x):
    return course_cross_entropy_error(d, course_softmax(x))


def course_d_sigmoid(x):
    return (1.0 - course_sigmoid(x)) * course_sigmoid(x)


def course_d_relu(x):
    return np.where(x > 0, 1, 0)


def course_d_step_function(x):
    return 0


def course_d_mean_squared_error(d, y):
    if type(d) is np.ndarray:
        return (y - d) / d.shape[0]
    return y - d


def course_d_softmax_with_loss(d, y):
    batch_size = d.shape[0]
    if d.size == y.size:
        return (y - d) / batch_size
    dx = y.copy()
    dx[np.arange(batch_size), d] -= 1
    return dx / batch_size


def course_d_sigmoid_with_loss(d, y):
    return y - d


def course_numerical_gradient(f, x):
    h = 1e-4
    grad = np.zeros_like(x)
    for idx in range(x.size):
        tmp_val = x[idx]
        x[idx] = tmp_val + h
        fxh1 = f(x)
        x[idx] = tmp_val - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val
    return grad


def course_im2col(input_data, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = input_data.shape
    out_h = (H + 2 * pad - filter_h) // stride + 1
    out_w = (W + 2 * pad - filter_w) // stride + 1
    img = np.pad(input_data, [(0, 0), (0, 0), (pad, pad), (pad, pad)], "constant")
    col = np.zeros((N, C, filter_h, filter_w, out_h, out_w))
    for y in range(filter_h):
        y_max = y + stride * out_h
        for x in range(filter_w):
            x_max = x + stride * out_w
            col[:, :, y, x, :, :] = img[:, :, y:y_max:stride, x:x_max:stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(N * out_h * out_w, -1)


def course_col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0):
    N, C, H, W = input_shape
    out_h = (H + 2 * pad - filter_h) // stride + 1
    out_w = (W + 2 * pad - filter_w) // stride + 1
    col = col.reshape(N, out_h, out_w, C, filter_h, filter_w).transpose(0, 3, 4, 5, 1, 2)
    img = np.zeros((N, C, H + 2 * pad + stride - 1, W + 2 * pad + stride - 1))
    for y in range(filter_h):
        y_max = y + stride * out_h
        for x in range(filter_w):
            x_max = x + stride * out_w
            img[:, :, y:y_max:stride, x:x_max:stride] += col[:, :, y, x, :, :]
    return img[:, :, pad:H + pad, pad:W + pad]


# ---- helpers ----------------------------------------------------------------------------------
def assert_same_print(ours, course):
    """Printed with NumPy's defaults, the two are the same text, and they are the same type."""
    assert str(ours) == str(course)
    assert repr(ours) == repr(course)
    ours_arr, course_arr = np.asarray(ours), np.asarray(course)
    assert ours_arr.dtype == course_arr.dtype
    assert ours_arr.shape == course_arr.shape
    np.testing.assert_allclose(ours_arr, course_arr, rtol=1e-13, atol=0)


def inputs(seed):
    rng = np.random.default_rng(seed)
    return [
        rng.standard_normal(7) * 3,
        rng.standard_normal((4, 5)) * 3,
        np.array([-2.0, -0.0, 0.0, 1e-9, 3.5]),
        np.array([[1.0, 2.0, 3.0], [1000.0, 1001.0, 999.0]]),
    ]


SEEDS = [0, 1, 2]


def probs(rng, n, c):
    return course_softmax(rng.standard_normal((n, c)) * 2)


# ---- activations ------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize(
    "ours, course",
    [
        (F.sigmoid, course_sigmoid),
        (F.relu, course_relu),
        (F.step_function, course_step_function),
        (F.softmax, course_softmax),
        (F.d_sigmoid, course_d_sigmoid),
        (F.d_relu, course_d_relu),
    ],
    ids=["sigmoid", "relu", "step_function", "softmax", "d_sigmoid", "d_relu"],
)
def test_activation_prints_the_courses_numbers(ours, course, seed):
    for x in inputs(seed):
        with np.errstate(over="ignore"):
            expected = course(x.copy())
        got = ours(x.copy())
        assert_same_print(got, expected)


def test_step_function_and_d_relu_return_integer_arrays():
    x = np.array([-1.5, 0.0, 2.0])
    for fn in (F.step_function, F.d_relu):
        out = fn(x)
        assert np.issubdtype(out.dtype, np.integer)
        assert out.tolist() == [0, 0, 1]


def test_d_step_function_is_zero():
    assert F.d_step_function(np.array([1.0, -1.0])) == course_d_step_function(None) == 0


def test_sigmoid_saturates_without_overflow_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = F.sigmoid(np.array([-1000.0, 1000.0]))
        d = F.d_sigmoid(np.array([-1000.0, 1000.0]))
    assert y.tolist() == [0.0, 1.0]
    assert d.tolist() == [0.0, 0.0]
    assert str(y) == "[0. 1.]"


def test_sigmoid_keeps_float32():
    assert F.sigmoid(np.array([-1000.0, 0.0, 1000.0], dtype=np.float32)).dtype == np.float32


def test_softmax_rows_sum_to_one_and_are_shift_invariant():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 4))
    y = F.softmax(x)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(F.softmax(x + 1000.0), y, rtol=1e-12)
    one = F.softmax(x[2])
    assert one.shape == (4,)
    np.testing.assert_allclose(one, y[2], rtol=1e-15)


def test_tanh_and_its_derivative():
    x = np.linspace(-4, 4, 33)
    np.testing.assert_allclose(F.tanh(x), (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x)), rtol=1e-14)
    h = 1e-6
    numeric = (F.tanh(x + h) - F.tanh(x - h)) / (2 * h)
    np.testing.assert_allclose(F.d_tanh(x), numeric, rtol=1e-8, atol=1e-10)
    assert F.d_tanh(np.array(0.0)) == 1.0
    x32 = x.astype(np.float32)
    assert F.tanh(x32).dtype == np.float32
    assert F.d_tanh(x32).dtype == np.float32


# ---- losses -----------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_mean_squared_error_is_the_halved_mean(seed):
    rng = np.random.default_rng(seed)
    for shape in [(5,), (3, 4)]:
        d, y = rng.standard_normal(shape), rng.standard_normal(shape)
        assert_same_print(F.mean_squared_error(d, y), course_mean_squared_error(d, y))
        assert F.mean_squared_error(d, y) == pytest.approx(((d - y) ** 2).sum() / d.size / 2, rel=1e-14)


@pytest.mark.parametrize("seed", SEEDS)
def test_cross_entropy_error_one_hot_and_index_labels(seed):
    rng = np.random.default_rng(seed)
    y = probs(rng, 5, 4)
    labels = rng.integers(0, 4, 5)
    one_hot = np.eye(4)[labels]
    expected = course_cross_entropy_error(one_hot, y)
    assert_same_print(F.cross_entropy_error(one_hot, y), expected)
    assert_same_print(F.cross_entropy_error(labels, y), course_cross_entropy_error(labels, y))
    assert F.cross_entropy_error(labels, y) == F.cross_entropy_error(one_hot, y)
    # The course's +1e-7 inside the log is kept.
    manual = -np.mean(np.log(y[np.arange(5), labels] + 1e-7))
    assert F.cross_entropy_error(labels, y) == pytest.approx(manual, rel=1e-14)
    # A single sample (1-D), with a one-hot or an index label.
    assert_same_print(F.cross_entropy_error(one_hot[0], y[0]), course_cross_entropy_error(one_hot[0], y[0]))
    assert_same_print(
        F.cross_entropy_error(np.array(labels[0]), y[0]),
        course_cross_entropy_error(np.array(labels[0]), y[0]),
    )


def test_cross_entropy_error_with_the_books_argument_order_warns_once():
    y = np.array([[0.1, 0.9], [0.8, 0.2]])          # probabilities
    t = np.array([[0.0, 1.0], [1.0, 0.0]])          # one-hot labels
    loss = F.cross_entropy_error(t, y)
    with pytest.warns(SwappedArgumentsWarning, match=r"target first.*cross_entropy_error\(y, t\)") as caught:
        swapped = F.cross_entropy_error(y, t)       # the book's (y, t)
    assert len(caught) == 1 and issubclass(caught[0].category, ScratchDLWarning)
    assert caught[0].filename == __file__            # it points at the learner's line
    assert swapped == course_cross_entropy_error(y, t) < 0 < loss   # the course's number, unchanged
    with warnings.catch_warnings(record=True) as again:
        warnings.simplefilter("always")
        F.cross_entropy_error(y, t)
        F.cross_entropy_error(y[0], t[0])
    assert again == []                              # once per process


@pytest.mark.parametrize(("d", "y"), [
    (np.array([[0.0, 1.0]]), np.array([[0.3, 0.7]])),        # the course's order
    (np.array([1, 0]), np.array([[0.3, 0.7], [0.6, 0.4]])),  # index labels
    (np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]])),        # both one-hot
    (np.array([[0.3, 0.7]]), np.array([[0.2, 0.9]])),        # soft targets against scores
])
def test_no_warning_unless_the_arguments_look_swapped(d, y):
    F.cross_entropy_error(d, y)  # the module's filter turns a warning into a failure


def test_cross_entropy_error_of_a_zero_probability_is_finite():
    d = np.array([0.0, 1.0])
    y = np.array([1.0, 0.0])
    assert F.cross_entropy_error(d, y) == pytest.approx(-np.log(1e-7))


@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_with_loss(seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((5, 3)) * 4
    labels = rng.integers(0, 3, 5)
    for d in (labels, np.eye(3)[labels]):
        assert_same_print(F.softmax_with_loss(d, x), course_softmax_with_loss(d, x))


# ---- loss derivatives -------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_d_mean_squared_error(seed):
    rng = np.random.default_rng(seed)
    d, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    assert_same_print(F.d_mean_squared_error(d, y), course_d_mean_squared_error(d, y))
    np.testing.assert_array_equal(F.d_mean_squared_error(d, y), (y - d) / 4)
    # A scalar target: no batch division.
    assert F.d_mean_squared_error(0.5, 2.0) == course_d_mean_squared_error(0.5, 2.0) == 1.5


@pytest.mark.parametrize("seed", SEEDS)
def test_d_softmax_with_loss_divides_by_the_batch(seed):
    rng = np.random.default_rng(seed)
    y = probs(rng, 6, 4)
    labels = rng.integers(0, 4, 6)
    one_hot = np.eye(4)[labels]
    assert_same_print(F.d_softmax_with_loss(one_hot, y), course_d_softmax_with_loss(one_hot, y))
    assert_same_print(F.d_softmax_with_loss(labels, y), course_d_softmax_with_loss(labels, y))
    np.testing.assert_allclose(F.d_softmax_with_loss(labels, y), (y - one_hot) / 6, rtol=1e-15, atol=1e-17)
    y_before = y.copy()
    F.d_softmax_with_loss(labels, y)
    np.testing.assert_array_equal(y, y_before)  # the prediction is not changed in place


@pytest.mark.parametrize("seed", SEEDS)
def test_d_sigmoid_with_loss_is_y_minus_d_without_batch_division(seed):
    rng = np.random.default_rng(seed)
    d, y = np.eye(3)[rng.integers(0, 3, 4)], probs(rng, 4, 3)
    assert_same_print(F.d_sigmoid_with_loss(d, y), course_d_sigmoid_with_loss(d, y))
    np.testing.assert_array_equal(F.d_sigmoid_with_loss(d, y), y - d)


# ---- numerical gradient -----------------------------------------------------------------------
def test_numerical_gradient_1d_matches_the_course():
    rng = np.random.default_rng(0)
    x = rng.standard_normal(6)

    def f(v):
        return np.sum(np.sin(v) * v**2)

    ours = F.numerical_gradient(f, x.copy())
    assert_same_print(ours, course_numerical_gradient(f, x.copy()))
    np.testing.assert_allclose(ours, np.cos(x) * x**2 + 2 * x * np.sin(x), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 2)])
def test_numerical_gradient_works_on_any_shape(shape):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape)
    w = rng.standard_normal(shape)
    before = x.copy()

    def f(v):
        return np.sum(w * v**3)

    grad = F.numerical_gradient(f, x)
    assert grad.shape == shape
    np.testing.assert_allclose(grad, 3 * w * before**2, rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(x, before)  # restored in place


def test_numerical_gradient_2d_is_a_real_fix():
    """The course's loop indexes rows of a 2-D array: it fails where ours works."""
    x = np.arange(6.0).reshape(2, 3)
    with pytest.raises(IndexError):
        course_numerical_gradient(lambda v: np.sum(v**2), x.copy())
    np.testing.assert_allclose(F.numerical_gradient(lambda v: np.sum(v**2), x.copy()), 2 * x, atol=1e-6)


# ---- printing ---------------------------------------------------------------------------------
def test_print_vec(capsys):
    v = np.array([[0.1, 0.2], [0.3, 0.4]])
    F.print_vec("総入力1", v)
    assert capsys.readouterr().out == "*** 総入力1 ***\n" + str(v) + "\n\n"
    F.print_vec("誤差", 0.25)
    assert capsys.readouterr().out == "*** 誤差 ***\n0.25\n\n"


# ---- im2col / col2im --------------------------------------------------------------------------
CONV_CASES = [
    # (N, C, H, W), filter_h, filter_w, stride, pad
    ((2, 3, 5, 5), 3, 3, 1, 0),
    ((1, 2, 7, 6), 3, 2, 2, 1),
    ((3, 1, 4, 4), 2, 2, 2, 0),
    ((2, 2, 6, 5), 5, 3, 1, 2),
    ((1, 3, 8, 8), 3, 3, 3, 1),
]


@pytest.mark.parametrize("shape, fh, fw, stride, pad", CONV_CASES)
def test_im2col_shape_and_course_numbers(shape, fh, fw, stride, pad):
    N, C, H, W = shape
    x = np.random.default_rng(0).standard_normal(shape)
    col = F.im2col(x, fh, fw, stride, pad)
    out_h = (H + 2 * pad - fh) // stride + 1
    out_w = (W + 2 * pad - fw) // stride + 1
    assert col.shape == (N * out_h * out_w, C * fh * fw)
    np.testing.assert_array_equal(col, course_im2col(x, fh, fw, stride, pad))
    # First row: the top-left window of the first image, channel by channel.
    padded = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
    np.testing.assert_array_equal(col[0], padded[0, :, :fh, :fw].reshape(-1))


@pytest.mark.parametrize("shape, fh, fw, stride, pad", CONV_CASES)
def test_col2im_is_the_adjoint_of_im2col(shape, fh, fw, stride, pad):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape)
    col = F.im2col(x, fh, fw, stride, pad)
    c = rng.standard_normal(col.shape)
    back = F.col2im(c, shape, fh, fw, stride, pad)
    assert back.shape == shape
    np.testing.assert_allclose(np.sum(col * c), np.sum(x * back), rtol=1e-12)
    np.testing.assert_array_equal(back, course_col2im(c, shape, fh, fw, stride, pad))


def test_col2im_counts_overlaps():
    """col2im of im2col(ones) counts how many windows cover each pixel."""
    shape = (1, 1, 4, 4)
    ones = F.col2im(F.im2col(np.ones(shape), 3, 3, 1, 0), shape, 3, 3, 1, 0)
    expected = np.array([[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]], dtype=float)
    np.testing.assert_array_equal(ones[0, 0], expected)


def test_im2col_col2im_keep_float32():
    x = np.random.default_rng(2).standard_normal((2, 3, 5, 5)).astype(np.float32)
    col = F.im2col(x, 3, 3, 1, 1)
    assert col.dtype == np.float32
    assert F.col2im(col, x.shape, 3, 3, 1, 1).dtype == np.float32
