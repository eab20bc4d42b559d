"""The book's layers (scratchdl.common.layers) against scratchdl.nn's explicit layers in float64, to
1e-10, quirks included; and the errors for the calls a learner mixes up."""

# ruff: noqa: NPY002 (the book draws from NumPy's global generator; so do these tests, to match it)

import numpy as np
import pytest
from common_reference import book_loss, conv, linear

from scratchdl import nn
from scratchdl.common.layers import (
    Affine,
    BatchNormalization,
    Convolution,
    Dropout,
    Pooling,
    Relu,
    Sigmoid,
    SoftmaxWithLoss,
)
from scratchdl.errors import ArgumentError, ConfigError, ShapeError, StateError

TOL = 1e-10


def run(layer, x, dout):
    """The nn layer's output and input gradient (its own gradients added into .grad)."""
    layer.zero_grad()
    y = layer(x)
    return y, layer.backward(dout)


def test_affine_holds_the_callers_arrays_overwrites_dw_and_equals_linear():
    rng = np.random.default_rng(0)
    W, b = rng.standard_normal((12, 5)), rng.standard_normal(5)
    x, dout = rng.standard_normal((4, 3, 2, 2)), rng.standard_normal((4, 5))
    layer = Affine(W, b)
    assert layer.W is W and layer.b is b
    reference = linear(W, b)
    y_ref, dx_ref = run(reference, x.reshape(4, 12), dout)
    np.testing.assert_allclose(layer.forward(x), y_ref, atol=TOL, rtol=0)
    dx = layer.backward(dout)
    assert dx.shape == x.shape
    np.testing.assert_allclose(dx.reshape(4, 12), dx_ref, atol=TOL, rtol=0)
    np.testing.assert_allclose(layer.dW, reference.weight.grad, atol=TOL, rtol=0)
    np.testing.assert_allclose(layer.db, reference.bias.grad, atol=TOL, rtol=0)
    layer.backward(dout)                                   # overwritten, not added up
    np.testing.assert_allclose(layer.dW, reference.weight.grad, atol=TOL, rtol=0)
    W -= 1.0                                               # an in-place update moves the layer
    np.testing.assert_allclose(layer.forward(x), y_ref - x.reshape(4, 12).sum(axis=1, keepdims=True),
                               atol=1e-9, rtol=0)


def test_relu_and_sigmoid_equal_nn_and_relu_writes_into_dout():
    rng = np.random.default_rng(1)
    x, dout = rng.standard_normal((3, 7)), rng.standard_normal((3, 7))
    for ours, theirs in ((Relu(), nn.ReLU()), (Sigmoid(), nn.Sigmoid())):
        y_ref, dx_ref = run(theirs, x, dout.copy())
        np.testing.assert_allclose(ours.forward(x), y_ref, atol=TOL, rtol=0)
        given = dout.copy()
        np.testing.assert_allclose(ours.backward(given), dx_ref, atol=TOL, rtol=0)
    relu, given = Relu(), dout.copy()
    relu.forward(x)
    assert relu.backward(given) is given and (given[x <= 0] == 0).all()   # the book's in-place quirk
    given = dout.copy()
    given[x <= 0] = np.inf                     # set to 0 where masked, as the book's dout[mask] = 0
    np.testing.assert_array_equal(relu.backward(given), np.where(x <= 0, 0.0, dout))
    np.testing.assert_array_equal(relu.forward(np.array([-0.0, np.nan, 2.0])), [0.0, np.nan, 2.0])


@pytest.mark.parametrize("one_hot", [False, True])
def test_softmax_with_loss_adds_1e7_and_ignores_dout(one_hot):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 4)) * 3
    t = rng.integers(0, 4, 5)
    target = np.eye(4)[t] if one_hot else t
    layer, reference = SoftmaxWithLoss(), nn.CrossEntropyLoss()
    reference(x, t)
    assert abs(layer.forward(x, target) - book_loss(x, t)) <= TOL
    np.testing.assert_allclose(layer.backward(), reference.backward(), atol=TOL, rtol=0)
    np.testing.assert_allclose(layer.backward(dout=5.0), reference.backward(), atol=TOL, rtol=0)
    certain = np.array([[100.0, 0.0]])
    assert abs(SoftmaxWithLoss().forward(certain, np.array([0])) + np.log1p(1e-7)) < 1e-15  # -log(1 + 1e-7)


@pytest.mark.parametrize("stride,pad", [(1, 0), (1, 1), (2, 1), (3, 2)])
def test_convolution_equals_conv2d_in_float64(stride, pad):
    rng = np.random.default_rng(3)
    W, b = rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    x = rng.standard_normal((2, 3, 9, 8))
    layer, reference = Convolution(W, b, stride, pad), conv(W, b, stride, pad)
    y = layer.forward(x)
    dout = rng.standard_normal(y.shape)
    y_ref, dx_ref = run(reference, x, dout)
    np.testing.assert_allclose(y, y_ref, atol=TOL, rtol=0)
    np.testing.assert_allclose(layer.backward(dout), dx_ref, atol=TOL, rtol=0)
    np.testing.assert_allclose(layer.dW, reference.weight.grad, atol=TOL, rtol=0)
    np.testing.assert_allclose(layer.db, reference.bias.grad, atol=TOL, rtol=0)
    assert layer.backward(dout, input_grad=False) is None            # scratchdl's addition: no dL/dx
    np.testing.assert_allclose(layer.dW, reference.weight.grad, atol=TOL, rtol=0)
    from scratchdl.common.util import im2col

    np.testing.assert_array_equal(layer.col, im2col(x, 3, 3, stride, pad))
    np.testing.assert_allclose(layer.col @ layer.col_W + b, y.transpose(0, 2, 3, 1).reshape(-1, 4), atol=TOL)


def test_convolution_and_pooling_compute_in_float64_like_the_books_im2col():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 1, 6, 6)).astype(np.float32)
    y = Convolution(rng.standard_normal((2, 1, 3, 3)), np.zeros(2)).forward(x)
    assert y.dtype == np.float64 and Pooling(2, 2).forward(x).dtype == np.float64


@pytest.mark.parametrize("args,kernel,stride", [((2, 2), 2, 2), ((3, 3), 3, 2), ((2, 3, 1), (2, 3), 1)])
def test_pooling_equals_maxpool_with_the_books_default_stride_of_2(args, kernel, stride):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 7, 8))
    layer, reference = Pooling(*args), nn.MaxPool2d(kernel, stride)
    y = layer.forward(x)
    dout = rng.standard_normal(y.shape)
    y_ref, dx_ref = run(reference, x, dout)
    np.testing.assert_array_equal(y, y_ref)
    np.testing.assert_allclose(layer.backward(dout), dx_ref, atol=TOL, rtol=0)
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]
    expected = windows.reshape(*windows.shape[:4], -1).argmax(axis=-1).transpose(0, 2, 3, 1).reshape(-1)
    np.testing.assert_array_equal(layer.arg_max, expected)


def test_dropout_draws_the_books_mask_and_scales_at_test_time():
    x = np.random.default_rng(6).standard_normal((4, 5))
    np.random.seed(7)
    layer = Dropout(0.3)
    y = layer.forward(x)
    np.random.seed(7)
    mask = np.random.rand(4, 5) > 0.3
    np.testing.assert_array_equal(y, x * mask)
    np.testing.assert_array_equal(layer.backward(np.ones((4, 5))), mask)
    np.testing.assert_array_equal(layer.forward(x, train_flg=False), x * 0.7)   # not x: scaled at test time


def test_batch_norm_equals_batchnorm1d_in_training_and_keeps_the_books_running_statistics():
    rng = np.random.default_rng(8)
    gamma, beta = rng.random(6) + 0.5, rng.standard_normal(6)
    layer = BatchNormalization(gamma, beta)
    reference = nn.BatchNorm1d(6, eps=1e-6, dtype=np.float64)
    reference.weight.data[...], reference.bias.data[...] = gamma, beta
    before = layer.forward(np.ones((2, 6)), train_flg=False)     # running var starts at 0: / sqrt(1e-6)
    np.testing.assert_allclose(before, np.tile(gamma * 1000.0 + beta, (2, 1)), rtol=1e-9)
    layer = BatchNormalization(gamma, beta)
    means, variances = np.zeros(6), np.zeros(6)
    for _ in range(3):
        x, dout = rng.standard_normal((5, 6)) * 2 + 1, rng.standard_normal((5, 6))
        y_ref, dx_ref = run(reference, x, dout)
        np.testing.assert_allclose(layer.forward(x), y_ref, atol=TOL, rtol=0)
        np.testing.assert_allclose(layer.backward(dout), dx_ref, atol=TOL, rtol=0)
        np.testing.assert_allclose(layer.dgamma, reference.weight.grad, atol=TOL, rtol=0)
        np.testing.assert_allclose(layer.dbeta, reference.bias.grad, atol=TOL, rtol=0)
        means = 0.9 * means + 0.1 * x.mean(axis=0)
        variances = 0.9 * variances + 0.1 * x.var(axis=0)               # biased, momentum 0.9
    np.testing.assert_allclose(layer.running_mean, means, atol=TOL, rtol=0)
    np.testing.assert_allclose(layer.running_var, variances, atol=TOL, rtol=0)
    x = rng.standard_normal((3, 6))
    expected = gamma * (x - means) / np.sqrt(variances + 1e-6) + beta
    np.testing.assert_allclose(layer.forward(x, False), expected, atol=TOL, rtol=0)


def test_batch_norm_normalises_a_4d_input_per_element_not_per_channel():
    rng = np.random.default_rng(9)
    x = rng.standard_normal((4, 2, 3, 3))
    layer = BatchNormalization(np.ones(18), np.zeros(18))
    reference = nn.BatchNorm1d(18, eps=1e-6, dtype=np.float64)
    expected = reference(x.reshape(4, 18)).reshape(x.shape)
    np.testing.assert_allclose(layer.forward(x), expected, atol=TOL, rtol=0)


@pytest.mark.parametrize("call,error,words", [
    (lambda: Affine(784, 100), ArgumentError, "Affine(W, b): W must be an array, got the number 784"),
    (lambda: Affine(nn.Linear(3, 2), np.zeros(2)), ArgumentError, "scratchdl.nn object Linear"),
    (lambda: Affine(nn.Linear(3, 2)), ArgumentError, "missing a required argument: 'b'; the book's Affine"),
    (lambda: Affine(np.ones((3, 2)), np.zeros(3)), ShapeError, "b must hold 2 values"),
    (lambda: Affine(np.ones(3), np.zeros(3)), ShapeError, "W must be a 2-D array"),
    (lambda: Convolution(1, 30, 5), ArgumentError, "Convolution(W, b, stride=1, pad=0): W must be an array"),
    (lambda: Convolution(np.ones((2, 1, 3, 3)), np.zeros(2), (1, 1)), ArgumentError, "stride must be an int"),
    (lambda: Convolution(np.ones((2, 1, 3, 3)), np.zeros(2), 1, 0, 5), ArgumentError, "too many positional"),
    (lambda: Pooling(kernel_size=2), ArgumentError, "Pooling(pool_h, pool_w, stride=2, pad=0)"),
    (lambda: Pooling(2, 2, 2, 1), ConfigError, "pad=1 fails there too"),
    (lambda: BatchNormalization(100, 0), ArgumentError, "gamma must be an array, got the number 100"),
    (lambda: BatchNormalization(100), ArgumentError, "e.g. BatchNormalization(np.ones(100), np.zeros(100))"),
    (lambda: Dropout(p=0.5), ArgumentError, "Dropout(dropout_ratio=0.5)"),
    (lambda: Dropout(1.5), ConfigError, "dropout_ratio must be a number in [0, 1)"),
])
def test_mixed_up_constructions_name_the_books_signature(call, error, words):
    with pytest.raises(error) as e:
        call()
    assert words in str(e.value)


def test_mixed_up_calls_name_the_books_signature():
    x = np.ones((2, 3))
    with pytest.raises(ShapeError, match=r"W is \(4, 2\), so x must be \(N, 4\)"):
        Affine(np.ones((4, 2)), np.zeros(2)).forward(x)
    with pytest.raises(ArgumentError, match=r"Affine\.forward: x must be an array, got a list"):
        Affine(np.ones((3, 2)), np.zeros(2)).forward([[1.0, 2.0, 3.0]])
    with pytest.raises(ArgumentError, match=r"takes the scores x first"):
        SoftmaxWithLoss().forward(np.array([0, 1]), np.ones((2, 3)))
    with pytest.raises(ShapeError, match=r"\(N, 1, H, W\)"):
        Convolution(np.ones((2, 1, 3, 3)), np.zeros(2)).forward(np.ones((1, 3, 5, 5)))
    with pytest.raises(ArgumentError, match=r"Dropout\.forward\(x, train_flg=True\): too many"):
        Dropout().forward(x, True, 1)
    for layer in (Relu(), Sigmoid(), Affine(np.ones((3, 2)), np.zeros(2)), SoftmaxWithLoss(), Dropout(),
                  BatchNormalization(np.ones(3), np.zeros(3)), Pooling(2, 2),
                  Convolution(np.ones((1, 1, 1, 1)), np.zeros(1))):
        with pytest.raises(StateError, match=r"backward\(\) called before forward\(\)"):
            layer.backward(np.ones((2, 3)))
