"""The book's calls given to scratchdl's PyTorch-style classes (the issue's list) raise a scratchdl
error that says what was meant and points to scratchdl.common, never a NumPy or Python TypeError from
inside, and never the whole weight array; the classes otherwise behave as before."""

import numpy as np
import pytest

from scratchdl import nn, optim
from scratchdl.errors import ArgumentError, ConfigError
from scratchdl.models import MLP, SimpleConvNet

W, B = np.ones((30, 1, 5, 5)), np.zeros(30)

CALLS = {
    "Affine(W, b)": (lambda: nn.Affine(np.ones((784, 100)), np.zeros(100)), "scratchdl.common.layers.Affine"),
    "Convolution(W, b, 1, 0)": (lambda: nn.Convolution(W, B, 1, 0), "scratchdl.common.layers.Convolution"),
    "Pooling(pool_h=2, ...)": (lambda: nn.Pooling(pool_h=2, pool_w=2, stride=2),
                               "scratchdl.common.layers.Pooling"),
    "Dropout().forward(x, train_flg)": (lambda: nn.Dropout().forward(np.ones((2, 3)), True),
                                        "scratchdl.common.layers.Dropout"),
    "BatchNormalization(gamma, beta)": (lambda: nn.BatchNorm1d(np.ones(3), np.zeros(3), momentum=0.9),
                                        "scratchdl.common.layers.BatchNormalization"),
    "BatchNorm forward(x, train_flg)": (lambda: nn.BatchNorm1d(3).forward(np.ones((2, 3)), False),
                                        "scratchdl.common.layers.BatchNormalization"),
    "SoftmaxWithLoss.backward(dout=1)": (lambda: nn.SoftmaxWithLoss().backward(1),
                                         "scratchdl.common.layers.SoftmaxWithLoss"),
    "MultiLayerNet(input_size=...)": (lambda: MLP(input_size=784, hidden_size_list=[100], output_size=10),
                                      "scratchdl.common.multi_layer_net.MultiLayerNet"),
    "MultiLayerNet(784, [100], 10)": (lambda: MLP(784, [100], 10), "scratchdl.common.multi_layer_net"),
    "SimpleConvNet(input_dim, conv_param)": (lambda: SimpleConvNet(input_dim=(1, 28, 28), conv_param={}),
                                             "scratchdl.common.simple_convnet.SimpleConvNet"),
    "RMSprop(decay_rate=)": (lambda: optim.RMSProp(lr=0.01, decay_rate=0.99),
                             "scratchdl.common.optimizer.RMSprop"),
    "Adam(beta1=, beta2=)": (lambda: optim.Adam(lr=0.001, beta1=0.9, beta2=0.999),
                             "scratchdl.common.optimizer.Adam"),
}


@pytest.mark.parametrize("name", CALLS)
def test_the_books_call_points_to_scratchdl_common(name):
    call, where = CALLS[name]
    with pytest.raises(ArgumentError) as e:
        call()
    assert where in str(e.value) and "[[" not in str(e.value)


def test_pooling_given_the_books_positional_arguments_says_which_is_which():
    with pytest.raises(ConfigError) as e:
        nn.Pooling(2, 2, 2)
    message = str(e.value)
    assert "padding must be at most half" in message and "(kernel_size, stride=None, padding=0)" in message
    assert "Pooling(pool_h, pool_w, stride=2, pad=0) is scratchdl.common.layers.Pooling" in message


def test_the_pytorch_style_calls_still_work():
    assert nn.Conv2d(1, 30, 5, 1, 0).weight.shape == (30, 1, 5, 5)
    assert nn.MaxPool2d(2, 2, 1).padding == (1, 1)
    assert nn.Linear(np.int64(3), 2).weight.shape == (3, 2)
    assert MLP([784, 100, 10]).config["sizes"] == [784, 100, 10]
    assert optim.Adam(lr=0.01, betas=(0.8, 0.9)).betas == (0.8, 0.9)
    x = np.ones((2, 3), dtype=np.float32)
    assert nn.Dropout(0.5).eval()(x) is x
