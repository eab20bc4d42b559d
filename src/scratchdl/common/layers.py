r"""The book's ``common/layers.py``: one class per layer, ``forward`` and ``backward`` side by side.

The layers hold the caller's arrays (``Affine(W, b)`` keeps ``W`` and ``b`` themselves, not
copies), so an optimizer that updates the network's ``params`` dict in place moves the layers too,
as in the book. Gradients are *overwritten* by each ``backward`` (``dW``, ``db``, ``dgamma``,
``dbeta``), where ``scratchdl.nn`` adds them up. ``Convolution`` and ``Pooling`` run scratchdl's
kernels (``scratchdl.nn.kernels``: cache-sized blocks of samples over the cores) on the book's
math, float64.

The book's quirks are kept, each with the number it changes:

- ``SoftmaxWithLoss`` adds 1e-7 inside the log (a loss of 1.0e-7, not 0, for a certain right
  answer) and its ``backward(dout=1)`` ignores ``dout``: the gradient is (y - t)/N for any ``dout``.
- ``Dropout`` scales at *test* time: training keeps each unit with probability 1 - r unscaled,
  ``forward(x, train_flg=False)`` multiplies by 1 - r (0.5 by default), where inverted dropout
  (``scratchdl.nn.Dropout``) scales by 1/(1 - r) while training and passes ``x`` at test time.
  The mask is ``np.random.rand(*x.shape) > r`` from NumPy's global generator (``np.random.seed``).
- ``BatchNormalization``: eps 1e-6 (the book's ``10e-7``), running averages ``momentum * running +
  (1 - momentum) * batch`` with momentum 0.9 and the biased batch variance, running variance
  starting at 0 (so test mode before any training step divides by sqrt(1e-6) = 0.001: outputs
  1000 times too large), and a 4-D input normalised per element (C·H·W features, not per channel).
- ``Relu.backward`` writes its zeros into ``dout`` itself and returns it.
- ``Pooling`` strides by 2 whatever its window (``Pooling(3, 3)`` overlaps), is max pooling only,
  and ignores ``pad`` in its output size (so the book fails for ``pad > 0``: here a ``ConfigError``).
- ``Convolution`` and ``Pooling`` compute in float64 whatever the input (the book's ``im2col``
  fills float64 buffers): a float32 image gives float64 outputs and gradients.
"""

from __future__ import annotations

import numpy as np

from ..backend import get_array_module
from ..calls import explain_call
from ..errors import ArgumentError, ConfigError, ShapeError, StateError
from ..nn import kernels
from ..nn.blocks import matmul, run_elementwise
from .checks import check_array, check_int, describe
from .functions import (  # noqa: F401 (the book's layers.py exports them: from common.layers import *)
    cross_entropy_error,
    identity_function,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    softmax,
    softmax_loss,
    step_function,
    sum_squared_error,
)
from .util import col2im, im2col

__all__ = [
    "Affine", "BatchNormalization", "Convolution", "Dropout", "Pooling", "Relu", "Sigmoid",
    "SoftmaxWithLoss", "col2im", "cross_entropy_error", "identity_function", "im2col", "np", "relu",
    "relu_grad", "sigmoid", "sigmoid_grad", "softmax", "softmax_loss", "step_function",
    "sum_squared_error",
]

AFFINE_HINT = ("the book's Affine(W, b) takes the weight array W (in, out) and the bias b (out,), "
               "e.g. Affine(0.01 * np.random.randn(784, 100), np.zeros(100)); "
               "scratchdl.nn.Affine(784, 100) makes its own weights from sizes")
CONV_HINT = ("the book's Convolution(W, b, stride=1, pad=0) takes the filters W (FN, C, FH, FW) and the "
             "bias b (FN,); scratchdl.nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding) "
             "makes its own weights from sizes")
POOL_HINT = ("the book's Pooling(pool_h, pool_w, stride=2, pad=0) is max pooling; PyTorch's "
             "MaxPool2d(kernel_size, stride=None, padding=0) is scratchdl.nn.MaxPool2d")
BN_HINT = ("the book's BatchNormalization(gamma, beta, momentum=0.9, running_mean=None, running_var=None) "
           "takes the arrays gamma and beta, e.g. BatchNormalization(np.ones(100), np.zeros(100)); "
           "scratchdl.nn.BatchNorm1d(100) makes its own")
DROPOUT_HINT = ("the book's Dropout(dropout_ratio=0.5) runs forward(x, train_flg=True) and backward(dout); "
                "scratchdl.nn.Dropout(p) is switched by model.train() / model.eval()")
LOSS_HINT = ("the book's SoftmaxWithLoss runs forward(x, t) (scores, then labels or one-hot rows) and "
             "backward(dout=1)")


def _saved(layer, value):
    """``value``, or a ``StateError`` when ``backward`` comes before ``forward``."""
    if value is None:
        raise StateError(f"{type(layer).__name__}.backward() called before forward()")
    return value


def _input(layer, x, ndim=None):
    """Check that ``x`` is an array (of ``ndim`` dimensions) for ``layer.forward``."""
    check_array(x, f"{type(layer).__name__}.forward", "x", ndim)


def _float64(x):
    xp = get_array_module(x)
    return x.astype(xp.result_type(x.dtype, xp.float64), copy=False)


def _elementwise(work, *arrays):
    """``work`` on flat views of ``arrays`` over blocks of the cores (``blocks.run_elementwise``),
    or once on the arrays themselves when one is not contiguous."""
    xp = get_array_module(arrays[0])
    if not all(a.flags.c_contiguous for a in arrays):
        work(*arrays)
        return
    flats = [a.reshape(-1) for a in arrays]
    run_elementwise(lambda i0, i1: work(*(f[i0:i1] for f in flats)), arrays[0].size, arrays[0].itemsize, xp)


class Relu:
    """Rectified linear unit: passes positive inputs and zeroes the rest."""

    def __init__(self):
        self.mask = None

    @explain_call("the book's call is Relu().forward(x)")
    def forward(self, x):
        """``x`` with every entry <= 0 set to 0 (a copy); keeps where that was (``mask``)."""
        _input(self, x)
        xp = get_array_module(x)
        self.mask, out = xp.empty(x.shape, dtype=bool), xp.empty_like(x)

        def work(x, mask, out):
            xp.less_equal(x, 0, out=mask)
            xp.maximum(x, 0, out=out)          # the book's x.copy() with 0 at the mask: NaN kept, -0.0 -> 0.0

        _elementwise(work, x, self.mask, out)
        return out

    def backward(self, dout):
        """``dout`` with the masked entries set to 0, in place (the book's quirk), and returned."""
        xp = get_array_module(dout)
        mask = _saved(self, self.mask)
        if not xp.isfinite(dout.sum()):        # an inf or NaN to zero: times 0 would give NaN
            dout[mask] = 0
        else:                                  # dout times "not masked": 20 ms -> 3 ms for W3's maps
            _elementwise(lambda d, m: xp.multiply(d, xp.logical_not(m), out=d), dout, mask)
        dx = dout
        return dx


class Sigmoid:
    r"""Sigmoid activation that squashes each input into (0, 1).

    :math:`y = \sigma(x)`, :math:`\partial L/\partial x = \delta\,(1 - y)\,y`."""

    def __init__(self):
        self.out = None

    @explain_call("the book's call is Sigmoid().forward(x)")
    def forward(self, x):
        _input(self, x)
        out = sigmoid(x)
        self.out = out
        return out

    def backward(self, dout):
        dx = dout * (1.0 - _saved(self, self.out)) * self.out
        return dx


class Affine:
    r"""Fully connected layer on the caller's own weight and bias arrays.

    :math:`y = xW + b`, ``W`` (in, out), ``x`` of any shape (N, ...) flattened to (N, in). Backward:

    .. math::
        \frac{\partial L}{\partial x} = \delta W^\top, \quad
        \frac{\partial L}{\partial W} = x^\top \delta, \quad
        \frac{\partial L}{\partial b} = \textstyle\sum_n \delta_n

    ``W`` and ``b`` are the arrays given (an in-place update of them moves the layer); ``dW`` and
    ``db`` are replaced by each ``backward``.
    """

    @explain_call(AFFINE_HINT)
    def __init__(self, W, b):  # noqa: N803 (the book's names)
        check_array(W, "Affine(W, b)", "W", ndim=2, hint=AFFINE_HINT)
        check_array(b, "Affine(W, b)", "b", hint=AFFINE_HINT)
        if b.size != W.shape[1]:
            raise ShapeError(f"Affine(W, b): W is {tuple(W.shape)}, so b must hold {W.shape[1]} values "
                             f"(one per output), got shape {tuple(b.shape)}")
        self.W = W
        self.b = b
        self.x = None
        self.original_x_shape = None
        self.dW = None
        self.db = None

    @explain_call("the book's call is Affine(W, b).forward(x)")
    def forward(self, x):
        _input(self, x)
        if x.ndim == 0 or x.shape[0] == 0 or x.size // x.shape[0] != self.W.shape[0]:
            n = self.W.shape[0]
            raise ShapeError(f"Affine.forward: W is {tuple(self.W.shape)}, so x must be (N, {n}) or (N, ...) "
                             f"with {n} values per sample, got shape {tuple(x.shape)}")
        self.original_x_shape = x.shape
        x = x.reshape(x.shape[0], -1)
        self.x = x
        out = matmul(self.x, self.W, xp=get_array_module(x))
        out += self.b
        return out

    def backward(self, dout):
        xp = get_array_module(dout)
        x = _saved(self, self.x)
        dx = matmul(dout, self.W.T, xp=xp)
        self.dW = matmul(x.T, dout, xp=xp)
        self.db = xp.sum(dout, axis=0)
        dx = dx.reshape(*self.original_x_shape)
        return dx


class SoftmaxWithLoss:
    r"""Softmax of the scores followed by the cross-entropy loss against the labels.

    ``forward(x, t)``: :math:`y = \mathrm{softmax}(x)`, loss
    :math:`-\frac1N\sum_n \log(y_{n,t_n} + 10^{-7})`; ``t`` labels (N,) or one-hot rows (N, C).
    ``backward(dout=1)``: :math:`(y - t)/N`, ``dout`` ignored (the book's quirk: the loss is the
    end of the chain, so its ``dout`` is 1 anyway).
    """

    def __init__(self):
        self.loss = None
        self.y = None
        self.t = None

    @explain_call(LOSS_HINT)
    def forward(self, x, t):
        _input(self, x)
        check_array(t, "SoftmaxWithLoss.forward(x, t)", "t")
        if x.dtype.kind in "iub" and t.dtype.kind == "f":
            raise ArgumentError(f"SoftmaxWithLoss.forward(x, t) takes the scores x first and the target t "
                                f"second; got integer labels of shape {tuple(x.shape)} first")
        self.t = t
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.y, self.t)
        return self.loss

    @explain_call(LOSS_HINT)
    def backward(self, dout=1):
        xp = get_array_module(_saved(self, self.y))
        batch_size = self.t.shape[0]
        if self.t.size == self.y.size:  # one-hot targets
            dx = (self.y - self.t) / batch_size
        else:
            dx = self.y.copy()
            dx[xp.arange(batch_size), self.t] -= 1
            dx = dx / batch_size
        return dx


class Dropout:
    r"""Dropout as the book has it: drops units while training and scales the output at test time.

    Training: :math:`y = x \odot m`, :math:`m = [u > r]`, :math:`u \sim U(0, 1)` from
    ``np.random.rand`` (the global generator); test: :math:`y = x (1 - r)`. Backward:
    :math:`\delta \odot m` (the last training mask).
    """

    @explain_call(DROPOUT_HINT)
    def __init__(self, dropout_ratio=0.5):
        if isinstance(dropout_ratio, bool) or not isinstance(dropout_ratio, int | float) \
                or not 0 <= dropout_ratio < 1:
            raise ConfigError(f"Dropout(dropout_ratio=0.5): dropout_ratio must be a number in [0, 1), "
                              f"got {describe(dropout_ratio)}")
        self.dropout_ratio = dropout_ratio
        self.mask = None

    @explain_call(DROPOUT_HINT)
    def forward(self, x, train_flg=True):
        _input(self, x)
        if train_flg:
            xp = get_array_module(x)
            self.mask = xp.asarray(np.random.rand(*x.shape) > self.dropout_ratio)  # noqa: NPY002
            return x * self.mask
        return x * (1.0 - self.dropout_ratio)

    def backward(self, dout):
        return dout * _saved(self, self.mask)


class BatchNormalization:
    r"""Batch normalization as the book has it: each feature standardised over the batch, then scaled.

    Training, per feature over the batch (a 4-D input is flattened to (N, C·H·W) first):

    .. math::
        \mu = \mathrm{mean}(x), \quad x_c = x - \mu, \quad \sigma = \sqrt{\mathrm{mean}(x_c^2) + 10^{-6}},
        \quad \hat x = x_c / \sigma, \quad y = \gamma \hat x + \beta

    Backward (``dgamma``, ``dbeta`` replaced each call):

    .. math::
        \partial\beta = \textstyle\sum \delta, \quad \partial\gamma = \sum \hat x \delta, \quad
        \partial x_c = \frac{\gamma\delta}{\sigma} + \frac{2}{N} x_c\,\partial\sigma^2, \quad
        \partial\sigma^2 = -\frac{1}{2\sigma^3}\textstyle\sum \gamma\delta x_c, \quad
        \partial x = \partial x_c - \frac1N \sum \partial x_c

    Test (``train_flg=False``): :math:`\hat x = (x - \mu_{run}) / \sqrt{\sigma^2_{run} + 10^{-6}}`,
    the running averages taken as ``momentum * running + (1 - momentum) * batch``.
    """

    @explain_call(BN_HINT)
    def __init__(self, gamma, beta, momentum=0.9, running_mean=None, running_var=None):
        check_array(gamma, "BatchNormalization(gamma, beta)", "gamma", hint=BN_HINT)
        check_array(beta, "BatchNormalization(gamma, beta)", "beta", hint=BN_HINT)
        self.gamma = gamma
        self.beta = beta
        self.momentum = momentum
        self.input_shape = None
        self.running_mean = running_mean
        self.running_var = running_var
        self.batch_size = None
        self.xc = None
        self.xn = None
        self.std = None
        self.dgamma = None
        self.dbeta = None

    @explain_call(BN_HINT)
    def forward(self, x, train_flg=True):
        _input(self, x)
        self.input_shape = x.shape
        if x.ndim != 2:
            x = x.reshape(x.shape[0], -1)
        if x.shape[1] != self.gamma.size:
            size = self.gamma.size
            raise ShapeError(f"BatchNormalization.forward: gamma has {size} values, so x must have {size} "
                             f"features per sample, got shape {tuple(self.input_shape)}")
        out = self._forward(x, train_flg)
        return out.reshape(*self.input_shape)

    def _forward(self, x, train_flg):
        xp = get_array_module(x)
        if self.running_mean is None:
            _, features = x.shape
            self.running_mean = xp.zeros(features)
            self.running_var = xp.zeros(features)
        if train_flg:
            mu = x.mean(axis=0)
            xc = x - mu
            var = xp.mean(xc ** 2, axis=0)
            std = xp.sqrt(var + 10e-7)
            xn = xc / std
            self.batch_size = x.shape[0]
            self.xc = xc
            self.xn = xn
            self.std = std
            self.running_mean = self.momentum * self.running_mean + (1 - self.momentum) * mu
            self.running_var = self.momentum * self.running_var + (1 - self.momentum) * var
        else:
            xc = x - self.running_mean
            xn = xc / xp.sqrt(self.running_var + 10e-7)
        return self.gamma * xn + self.beta

    def backward(self, dout):
        if dout.ndim != 2:
            dout = dout.reshape(dout.shape[0], -1)
        dx = self._backward(dout)
        return dx.reshape(*self.input_shape)

    def _backward(self, dout):
        xp = get_array_module(dout)
        xc = _saved(self, self.xc)
        dbeta = dout.sum(axis=0)
        dgamma = xp.sum(self.xn * dout, axis=0)
        dxn = self.gamma * dout
        dxc = dxn / self.std
        dstd = -xp.sum((dxn * xc) / (self.std * self.std), axis=0)
        dvar = 0.5 * dstd / self.std
        dxc += (2.0 / self.batch_size) * xc * dvar
        dmu = xp.sum(dxc, axis=0)
        dx = dxc - dmu / self.batch_size
        self.dgamma = dgamma
        self.dbeta = dbeta
        return dx


class Convolution:
    r"""2-D convolution on the caller's own filter and bias arrays, in float64.

    .. math::
        y_{n,f,u,v} = b_f + \sum_{c,i,j} W_{f,c,i,j}\, x^{pad}_{n,c,\,su+i,\,sv+j}

    ``W`` (FN, C, FH, FW) and ``b`` (FN,) are the arrays given; ``dW`` and ``db`` are replaced by
    each ``backward``. The products run on scratchdl's CPU (or GPU) kernels, blocks of samples over
    the cores, with the book's numbers: :math:`\partial W = \delta\,\mathrm{col}^\top`,
    :math:`\partial b = \sum\delta`, :math:`\partial x = \mathrm{col2im}(W^\top\delta)`. The patch
    matrix is rebuilt in backward rather than kept; ``col`` and ``col_W`` compute the book's on request.
    """

    @explain_call(CONV_HINT)
    def __init__(self, W, b, stride=1, pad=0):  # noqa: N803 (the book's names)
        call = "Convolution(W, b, stride=1, pad=0)"
        check_array(W, call, "W", ndim=4, hint=CONV_HINT)
        check_array(b, call, "b", hint=CONV_HINT)
        if b.size != W.shape[0]:
            raise ShapeError(f"{call}: W is {tuple(W.shape)}, so b must hold {W.shape[0]} values (one per "
                             f"filter), got shape {tuple(b.shape)}")
        self.W = W
        self.b = b
        self.stride = check_int(stride, call, "stride", 1)
        self.pad = check_int(pad, call, "pad", 0)
        self.x = None
        self._cache = None
        self.dW = None
        self.db = None

    @explain_call("the book's call is Convolution(W, b, stride, pad).forward(x)")
    def forward(self, x):
        _input(self, x, ndim=4)
        fn, c, fh, fw = self.W.shape
        if x.shape[1] != c or x.shape[2] + 2 * self.pad < fh or x.shape[3] + 2 * self.pad < fw:
            raise ShapeError(f"Convolution.forward: W is {tuple(self.W.shape)} with pad {self.pad}, so x "
                             f"must be (N, {c}, H, W) with H >= {fh - 2 * self.pad} and "
                             f"W >= {fw - 2 * self.pad}, got shape {tuple(x.shape)}")
        xp = get_array_module(x)
        dtype = xp.result_type(x.dtype, self.W.dtype, xp.float64)
        weight = self.W.astype(dtype, copy=False)
        strategy = kernels.for_array(x)
        out, cache = strategy.conv2d_forward(x.astype(dtype, copy=False), weight, self.b.reshape(-1),
                                             (self.stride,) * 2, (self.pad,) * 2, True)
        self.x = x
        self._cache = (strategy, cache, weight)
        return out

    def backward(self, dout, input_grad=True):
        """dL/dx; sets ``dW`` and ``db``. ``input_grad=False`` (scratchdl's addition) skips dL/dx and
        returns None: ``SimpleConvNet.gradient`` does so for its first layer, whose dL/dx nobody reads."""
        strategy, cache, weight = _saved(self, self._cache)
        stride, pad = (self.stride,) * 2, (self.pad,) * 2
        dx, self.dW, self.db = strategy.conv2d_backward(_float64(dout), cache, weight, True, stride, pad,
                                                        bool(input_grad))
        return dx

    @property
    def col(self):
        """The book's patch matrix of the last input, (N·oh·ow, C·FH·FW)."""
        fh, fw = self.W.shape[2:]
        return None if self.x is None else im2col(self.x, fh, fw, self.stride, self.pad)

    @property
    def col_W(self):  # noqa: N802 (the book's name)
        """The filters as the book's (C·FH·FW, FN) matrix."""
        return self.W.reshape(self.W.shape[0], -1).T


class Pooling:
    r"""Max pooling as the book has it: the largest value of each window, stride 2 by default.

    :math:`y_{n,c,u,v} = \max_{i,j} x_{n,c,\,su+i,\,sv+j}`; backward sends each
    :math:`\delta_{n,c,u,v}` to the first (row-major) maximum of its window. Runs scratchdl's
    pooling kernels in float64; ``arg_max`` gives the book's array of window offsets on request.
    """

    @explain_call(POOL_HINT)
    def __init__(self, pool_h, pool_w, stride=2, pad=0):
        call = "Pooling(pool_h, pool_w, stride=2, pad=0)"
        self.pool_h = check_int(pool_h, call, "pool_h", 1)
        self.pool_w = check_int(pool_w, call, "pool_w", 1)
        self.stride = check_int(stride, call, "stride", 1)
        self.pad = check_int(pad, call, "pad", 0)
        if self.pad:
            raise ConfigError(f"{call}: the book's Pooling leaves pad out of its output size, so pad={pad} "
                              f"fails there too; use pad=0, or scratchdl.nn.MaxPool2d(kernel_size, stride, "
                              f"padding) for padded max pooling")
        self.x = None
        self._cache = None

    @explain_call("the book's call is Pooling(pool_h, pool_w, stride).forward(x)")
    def forward(self, x):
        _input(self, x, ndim=4)
        if x.shape[2] < self.pool_h or x.shape[3] < self.pool_w:
            raise ShapeError(f"Pooling.forward: the window is {self.pool_h}x{self.pool_w}, so x must be "
                             f"(N, C, H, W) with H >= {self.pool_h} and W >= {self.pool_w}, "
                             f"got shape {tuple(x.shape)}")
        window, stride = (self.pool_h, self.pool_w), (self.stride,) * 2
        strategy = kernels.for_array(x)
        out, cache = strategy.max_pool2d_forward(_float64(x), window, stride, (0, 0))
        self.x = x
        self._cache = (strategy, cache)
        return out

    def backward(self, dout):
        strategy, cache = _saved(self, self._cache)
        return strategy.max_pool2d_backward(_float64(dout), cache, (self.pool_h, self.pool_w),
                                            (self.stride,) * 2, (0, 0))

    @property
    def arg_max(self):
        """The book's ``arg_max``: the offset of each window's maximum, in (N, oh, ow, C) order."""
        if self._cache is None:
            return None
        offsets = self._cache[1][0]
        return offsets.transpose(0, 2, 3, 1).reshape(-1).astype(int)
