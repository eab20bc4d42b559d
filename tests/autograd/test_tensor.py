"""Tensor: construction, dtypes, operators, in-place changes and what the user sees."""

import numpy as np
import pytest

from scratchdl import backend
from scratchdl.autograd import Tensor, no_grad
from scratchdl.errors import DTypeError, GraphError, ShapeError


def test_data_is_the_array_itself_and_python_floats_take_the_default_dtype():
    a = np.arange(3.0)
    t = Tensor(a)
    assert t.data is a and t.dtype == np.float64
    assert Tensor([1.0, 2.0]).dtype == backend.get_default_dtype() == np.float32
    assert Tensor(3).dtype == np.int64 and Tensor([True]).dtype == np.bool_
    assert Tensor(2.0, dtype=np.float64).dtype == np.float64
    assert Tensor(np.float64(2.0)).dtype == np.float64


def test_constants_take_the_tensors_dtype_float32_stays_float32():
    x = Tensor(np.ones(3, np.float32), requires_grad=True)
    for y in (x * 1.1, 1.1 * x, x + np.float64(2.0), x / 3, x - np.ones(3), x ** 2.5, np.ones(3) * x):
        assert y.dtype == np.float32
    (x * 1.1).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), np.float32(1.1))


def test_two_floating_dtypes_are_refused_with_the_op_named():
    a, b = Tensor(np.ones(2, np.float32)), Tensor(np.ones(2, np.float64))
    with pytest.raises(DTypeError, match=r"Add: a float32 and a float64 tensor.*astype"):
        a + b
    assert (a + b.astype(np.float32)).dtype == np.float32


def test_integer_tensors_mix_with_floats_as_constants():
    x = Tensor(np.ones(3), requires_grad=True)
    y = x * Tensor(np.array([1, 2, 3]))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1, 2, 3])


def test_requires_grad_on_an_integer_tensor_is_a_dtype_error():
    with pytest.raises(DTypeError, match=r"requires_grad needs a floating tensor, got dtype int64"):
        Tensor(np.arange(3), requires_grad=True)
    t = Tensor(np.arange(3))
    with pytest.raises(DTypeError, match="int64"):
        t.requires_grad = True


def test_requires_grad_only_on_leaves():
    x = Tensor(np.ones(2), requires_grad=True)
    y = x * 2
    assert y.requires_grad and not y.is_leaf and x.is_leaf
    with pytest.raises(GraphError, match="only on a leaf"):
        y.requires_grad = False
    assert y.detach().is_leaf and not y.detach().requires_grad


def test_operators_match_numpy():
    rng = np.random.default_rng(0)
    a, b = rng.random((2, 3)) + 0.5, rng.random(3) + 0.5
    ta, tb = Tensor(a), Tensor(b)
    for got, want in [(ta + tb, a + b), (ta - tb, a - b), (ta * tb, a * b), (ta / tb, a / b),
                      (ta ** tb, a ** b), (-ta, -a), (ta @ tb, a @ b), (2 - ta, 2 - a), (2 / ta, 2 / a),
                      (2 ** ta, 2 ** a), (ta.T, a.T), (ta[1:, ::2], a[1:, ::2]), (ta.sum(0), a.sum(0)),
                      (ta.mean(1, keepdims=True), a.mean(1, keepdims=True)), (ta.max(), a.max()),
                      (ta.reshape(3, 2), a.reshape(3, 2)), (ta.exp(), np.exp(a)), (ta.log(), np.log(a)),
                      (ta.transpose(1, 0), a.T)]:
        np.testing.assert_allclose(got.numpy(), want)
    assert (ta > 1).dtype == np.bool_ and not (ta > 1).requires_grad


def test_item_float_len_shape_and_repr():
    t = Tensor(np.array([[1.5, 2.0]]), requires_grad=True, name="w")
    assert t.shape == (1, 2) and t.ndim == 2 and t.size == 2 and len(t) == 1 and t.device == "cpu"
    assert float(t[0, 0]) == 1.5 and t[0, 1].item() == 2.0
    assert repr(t) == "Tensor([[1.5, 2. ]], dtype=float64, requires_grad=True, name='w')"
    assert repr(t * 2).endswith("grad_fn=<Mul>)")
    assert repr(Tensor(np.float32(3))) == "Tensor(3.)"


def test_setitem_raises_the_version_and_is_refused_on_a_tensor_that_requires_grad():
    t = Tensor(np.zeros(3))
    t[1] = 5
    assert t.version == 1 and t.numpy()[1] == 5
    w = Tensor(np.zeros(3), requires_grad=True)
    with pytest.raises(GraphError, match="under autograd.no_grad"):
        w[0] = 1
    with no_grad():
        w[0] = 1
    assert w.version == 1
    w.data -= 1                       # an optimizer's in-place update through .data
    assert w.version == 2 and w.numpy()[0] == 0


def test_views_share_the_version_counter():
    x = Tensor(np.zeros((2, 3)))
    v = x.reshape(6)
    v[0] = 1                          # changes x's memory too
    assert x.numpy()[0, 0] == 1 and x.version == 1
    assert x.detach()._version is x._version


def test_indexing_and_reshape_errors_name_the_shapes():
    x = Tensor(np.zeros((2, 3)))
    with pytest.raises(ShapeError,
                       match=r"cannot reshape a tensor of shape \(2, 3\) \(6 numbers\) into \(4,\)"):
        x.reshape(4)
    with pytest.raises(ShapeError, match=r"does not fit a tensor of shape \(2, 3\)"):
        x[5]
    with pytest.raises(ShapeError, match="axis 2 is out of range"):
        x.sum(axis=2)


def test_numpy_reads_the_values_and_arrays_on_the_left_still_build_a_graph():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    assert np.asarray(x).tolist() == [1, 2] and np.asarray(x, dtype=np.float32).dtype == np.float32
    y = np.array([3.0, 4.0]) * x                      # the Tensor's __rmul__, not NumPy's loop
    assert isinstance(y, Tensor) and y.grad_fn is not None


def test_object_arrays_are_refused():
    with pytest.raises(DTypeError, match="expected numbers"):
        Tensor(np.array(["a"]))
