r"""The book's ``ch07/simple_convnet.py``: conv - relu - pool - affine - relu - affine - softmax.

``SimpleConvNet(input_dim=(1, 28, 28), conv_param={'filter_num': 30, 'filter_size': 5, 'pad': 0,
'stride': 1}, hidden_size=100, output_size=10, weight_init_std=0.01)``. The weights are drawn from
NumPy's global generator in the book's order (``W1`` the filters, ``W2``, ``W3``), each
``weight_init_std`` times a standard normal, so ``np.random.seed(s)`` reproduces the book's network.
Its ``Convolution`` and ``Pooling`` run scratchdl's kernels, and ``gradient`` skips the gradient with
respect to the images, which nothing reads; that is where it trains faster than the book's
(``benchmarks/common_convnet.py``).

Kept as the book has them:

- the size after pooling is :math:`\lfloor F\,(o/2)^2 \rfloor` with the convolution's size
  :math:`o = (H - f + 2p)/s + 1` in true division (only the 2x2 pooling of an even ``o`` fits it);
- ``accuracy(x, t, batch_size=100)`` counts ``int(N / batch_size)`` whole batches but divides by N:
  150 samples at 100 a batch score at most 100/150 = 0.667;
- ``save_params`` / ``load_params`` read and write the dict ``params``, here as a NumPy ``.npz``
  archive under the name given (``params.pkl`` by default) instead of a pickle: scratchdl loads no
  pickle, which can run code. A pickle from the book's own ``save_params`` is refused with a
  ``DataError`` saying how to convert it.

After ``scratchdl.common.install()``, ``from simple_convnet import SimpleConvNet`` finds this one
when no ``simple_convnet.py`` of your own is on the path.
"""

from __future__ import annotations

import zipfile
from collections import OrderedDict
from collections.abc import Mapping

import numpy as np

from ..atomic import write_atomic
from ..calls import explain_call
from ..errors import ArgumentError, ConfigError, DataError
from .gradient import numerical_gradient
from .layers import Affine, Convolution, Pooling, Relu, SoftmaxWithLoss

__all__ = ["SimpleConvNet"]

CONV_KEYS = ("filter_num", "filter_size", "pad", "stride")
HINT = ("the book's call is SimpleConvNet(input_dim=(1, 28, 28), conv_param={'filter_num': 30, "
        "'filter_size': 5, 'pad': 0, 'stride': 1}, hidden_size=100, output_size=10, weight_init_std=0.01); "
        "scratchdl.models.SimpleConvNet(input_shape, num_classes) is scratchdl.nn's")


def _check_config(input_dim, conv_param) -> None:
    if not isinstance(input_dim, list | tuple) or len(input_dim) != 3:
        raise ArgumentError(f"SimpleConvNet: input_dim must be (channels, height, width) such as "
                            f"(1, 28, 28), got {input_dim!r}")
    if not isinstance(conv_param, Mapping) or any(key not in conv_param for key in CONV_KEYS):
        raise ConfigError(f"SimpleConvNet: conv_param must be a dict with the keys {', '.join(CONV_KEYS)}, "
                          f"got {conv_param!r}")


class SimpleConvNet:
    """The book's small convolutional network, its weights in the dict params."""

    @explain_call(HINT)
    def __init__(self, input_dim=(1, 28, 28),
                 conv_param={"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1},  # noqa: B006 (the book's)
                 hidden_size=100, output_size=10, weight_init_std=0.01):
        _check_config(input_dim, conv_param)
        filter_num = conv_param["filter_num"]
        filter_size = conv_param["filter_size"]
        filter_pad = conv_param["pad"]
        filter_stride = conv_param["stride"]
        input_size = input_dim[1]
        conv_output_size = (input_size - filter_size + 2 * filter_pad) / filter_stride + 1
        pool_output_size = int(filter_num * (conv_output_size / 2) * (conv_output_size / 2))

        randn = np.random.randn  # noqa: NPY002 (the book draws from NumPy's global generator)
        self.params = {}
        self.params["W1"] = weight_init_std * randn(filter_num, input_dim[0], filter_size, filter_size)
        self.params["b1"] = np.zeros(filter_num)
        self.params["W2"] = weight_init_std * randn(pool_output_size, hidden_size)
        self.params["b2"] = np.zeros(hidden_size)
        self.params["W3"] = weight_init_std * randn(hidden_size, output_size)
        self.params["b3"] = np.zeros(output_size)

        self.layers = OrderedDict()
        self.layers["Conv1"] = Convolution(self.params["W1"], self.params["b1"],
                                           conv_param["stride"], conv_param["pad"])
        self.layers["Relu1"] = Relu()
        self.layers["Pool1"] = Pooling(pool_h=2, pool_w=2, stride=2)
        self.layers["Affine1"] = Affine(self.params["W2"], self.params["b2"])
        self.layers["Relu2"] = Relu()
        self.layers["Affine2"] = Affine(self.params["W3"], self.params["b3"])
        self.last_layer = SoftmaxWithLoss()

    def predict(self, x):
        """The scores (before softmax) for the images ``x`` (N, C, H, W)."""
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        """The cross-entropy of ``x`` against the labels ``t``."""
        return self.last_layer.forward(self.predict(x), t)

    def accuracy(self, x, t, batch_size=100):
        """The share right, in whole batches of ``batch_size`` (the rest is left out, but counted in N)."""
        if t.ndim != 1:
            t = np.argmax(t, axis=1)
        acc = 0.0
        for i in range(int(x.shape[0] / batch_size)):
            tx = x[i * batch_size:(i + 1) * batch_size]
            tt = t[i * batch_size:(i + 1) * batch_size]
            y = np.argmax(self.predict(tx), axis=1)
            acc += np.sum(y == tt)
        return acc / x.shape[0]

    def numerical_gradient(self, x, t):
        """The loss's gradient by central differences, ``{'W1': ..., 'b1': ..., ...}`` (very slow)."""
        def loss_w(w):
            return self.loss(x, t)

        grads = {}
        for idx in (1, 2, 3):
            grads["W" + str(idx)] = numerical_gradient(loss_w, self.params["W" + str(idx)])
            grads["b" + str(idx)] = numerical_gradient(loss_w, self.params["b" + str(idx)])
        return grads

    def gradient(self, x, t):
        """The loss's gradient by backpropagation, ``{'W1': ..., 'b1': ..., ...}``."""
        self.loss(x, t)
        dout = self.last_layer.backward(1)
        for layer in list(self.layers.values())[:0:-1]:
            dout = layer.backward(dout)
        self.layers["Conv1"].backward(dout, input_grad=False)     # dL/dx of the images: not needed
        grads = {}
        grads["W1"], grads["b1"] = self.layers["Conv1"].dW, self.layers["Conv1"].db
        grads["W2"], grads["b2"] = self.layers["Affine1"].dW, self.layers["Affine1"].db
        grads["W3"], grads["b3"] = self.layers["Affine2"].dW, self.layers["Affine2"].db
        return grads

    def save_params(self, file_name="params.pkl"):
        """Write ``params`` to ``file_name`` as a NumPy ``.npz`` archive, atomically."""
        params = {key: np.asarray(val) for key, val in self.params.items()}

        def write(tmp):
            with open(tmp, "wb") as f:
                np.savez(f, **params)

        write_atomic(file_name, write)

    def load_params(self, file_name="params.pkl"):
        """Read ``params`` saved by ``save_params`` and hand the arrays to the layers."""
        try:
            with np.load(file_name, allow_pickle=False) as archive:
                params = {key: archive[key] for key in archive.files}
        except OSError as e:
            raise DataError(f"SimpleConvNet.load_params: cannot read {file_name} ({e})") from None
        except (ValueError, zipfile.BadZipFile):
            raise DataError(
                f"SimpleConvNet.load_params: {file_name} is not a parameter archive written by "
                f"scratchdl.common's save_params; a pickle from the book's own save_params is not loaded "
                f"(a pickle can run code). Convert it once where the book's code runs: "
                f"import pickle, numpy as np; "
                f"np.savez('params.npz', **pickle.load(open('{file_name}', 'rb')))"
            ) from None
        missing = [f"{name}{i}" for i in (1, 2, 3) for name in ("W", "b") if f"{name}{i}" not in params]
        if missing:
            raise DataError(f"SimpleConvNet.load_params: {file_name} has no {', '.join(missing)}")
        for key, val in params.items():
            self.params[key] = val
        for i, key in enumerate(["Conv1", "Affine1", "Affine2"]):
            self.layers[key].W = self.params["W" + str(i + 1)]
            self.layers[key].b = self.params["b" + str(i + 1)]
