"""Book-style flows (ch05, ch06, ch07, and the layers, functions and util one by one), written as a
learner writes them for the book, run with whichever ``common`` is importable: the book's own copy on
the path, or scratchdl's after ``scratchdl.common.install()`` (``--scratchdl``). Prints every number
as JSON; test_book_parity runs it both ways and compares them to 1e-10."""

# ruff: noqa: F403, F405, N803, N806, NPY002 (the book's star imports, names and global generator)

import json
import sys

import numpy as np

if "--scratchdl" in sys.argv:
    import scratchdl.common

    scratchdl.common.install()

from collections import OrderedDict

import common.functions as F
from common.gradient import numerical_gradient
from common.layers import *
from common.multi_layer_net import MultiLayerNet
from common.multi_layer_net_extend import MultiLayerNetExtend
from common.optimizer import SGD, AdaGrad, Adam, Momentum, Nesterov, RMSprop
from common.trainer import Trainer
from common.util import col2im, conv_output_size, im2col, shuffle_dataset, smooth_curve
from simple_convnet import SimpleConvNet

numbers = {}


def record(name, value):
    numbers[name] = np.asarray(value, dtype=float).ravel().tolist()


def record_all(prefix, arrays):
    for key, value in arrays.items():
        record(prefix + key, value)


class TwoLayerNet:
    """ch05's two-layer net on common.layers."""

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {"W1": weight_init_std * np.random.randn(input_size, hidden_size),
                       "b1": np.zeros(hidden_size),
                       "W2": weight_init_std * np.random.randn(hidden_size, output_size),
                       "b2": np.zeros(output_size)}
        self.layers = OrderedDict(Affine1=Affine(self.params["W1"], self.params["b1"]), Relu1=Relu(),
                                  Affine2=Affine(self.params["W2"], self.params["b2"]))
        self.last_layer = SoftmaxWithLoss()

    def predict(self, x):
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        return self.last_layer.forward(self.predict(x), t)

    def accuracy(self, x, t):
        return np.sum(np.argmax(self.predict(x), axis=1) == np.argmax(t, axis=1)) / float(x.shape[0])

    def numerical_gradient(self, x, t):
        return {key: numerical_gradient(lambda W: self.loss(x, t), self.params[key]) for key in self.params}

    def gradient(self, x, t):
        self.loss(x, t)
        dout = self.last_layer.backward(1)
        for layer in reversed(list(self.layers.values())):
            dout = layer.backward(dout)
        first, second = self.layers["Affine1"], self.layers["Affine2"]
        return {"W1": first.dW, "b1": first.db, "W2": second.dW, "b2": second.db}


def ch05():
    np.random.seed(0)
    x = np.random.rand(30, 784).astype(np.float32)
    t = np.eye(10)[np.random.randint(0, 10, 30)]
    network = TwoLayerNet(784, 10, 10)
    record_all("ch05 numerical ", network.numerical_gradient(x[:3], t[:3]))
    record_all("ch05 backprop ", network.gradient(x[:3], t[:3]))
    optimizer = SGD(lr=0.1)
    for i in range(20):
        mask = np.random.choice(30, 10)
        optimizer.update(network.params, network.gradient(x[mask], t[mask]))
        record(f"ch05 loss {i}", network.loss(x[mask], t[mask]))
    record("ch05 accuracy", network.accuracy(x, t))
    return x, t


def ch06_batch_norm():
    np.random.seed(1)
    x = np.random.rand(5, 784)
    t = np.eye(10)[np.random.randint(0, 10, 5)]
    network = MultiLayerNetExtend(784, [10, 10], 10, use_batchnorm=True)
    record_all("bn numerical ", network.numerical_gradient(x[:1], t[:1]))
    record_all("bn backprop ", network.gradient(x[:1], t[:1]))
    record_all("bn batch ", network.gradient(x, t))
    record("bn test mode", network.predict(x, train_flg=False))
    np.random.seed(2)
    network = MultiLayerNetExtend(784, [20, 20], 10, activation="sigmoid", weight_init_std="xavier",
                                  weight_decay_lambda=0.1, use_dropout=True, dropout_ration=0.2,
                                  use_batchnorm=True)
    for i in range(3):
        record_all(f"extend {i} ", network.gradient(x, t))
    record("extend accuracy", network.accuracy(x, t))
    record("extend predict", network.predict(x))


def ch06_optimizers_and_inits(x, t):
    optimizers = {"SGD": SGD(), "Momentum": Momentum(), "Nesterov": Nesterov(), "AdaGrad": AdaGrad(),
                  "RMSprop": RMSprop(lr=0.01, decay_rate=0.9), "Adam": Adam(lr=0.01, beta1=0.8, beta2=0.99)}
    for name, optimizer in optimizers.items():
        np.random.seed(3)
        network = MultiLayerNet(784, [30, 30, 30, 30], 10)
        for i in range(10):
            mask = np.random.choice(30, 10)
            optimizer.update(network.params, network.gradient(x[mask], t[mask]))
            record(f"optimizer {name} {i}", network.loss(x[mask], t[mask]))
    for name, std in (("std", 0.01), ("Xavier", "sigmoid"), ("He", "relu")):
        np.random.seed(4)
        network = MultiLayerNet(784, [20, 20, 20], 10, weight_init_std=std, weight_decay_lambda=0.01)
        optimizer = SGD(lr=0.01)
        for i in range(5):
            mask = np.random.choice(30, 10)
            optimizer.update(network.params, network.gradient(x[mask], t[mask]))
            record(f"init {name} {i}", network.loss(x[mask], t[mask]))


def ch07():
    np.random.seed(5)
    x = np.random.rand(2, 1, 10, 10)
    t = np.array([1, 3])
    network = SimpleConvNet(input_dim=(1, 10, 10), conv_param={"filter_num": 4, "filter_size": 3, "pad": 1,
                                                                "stride": 1},
                            hidden_size=6, output_size=10, weight_init_std=0.01)
    record_all("conv backprop ", network.gradient(x, t))
    record_all("conv numerical ", network.numerical_gradient(x, t))
    np.random.seed(6)
    x_train = np.random.rand(40, 1, 28, 28).astype(np.float32)
    t_train = np.random.randint(0, 10, 40)
    x_test = np.random.rand(20, 1, 28, 28).astype(np.float32)
    t_test = np.random.randint(0, 10, 20)
    network = SimpleConvNet(input_dim=(1, 28, 28), conv_param={"filter_num": 5, "filter_size": 5, "pad": 0,
                                                                "stride": 1},
                            hidden_size=20, output_size=10, weight_init_std=0.01)
    trainer = Trainer(network, x_train, t_train, x_test, t_test, epochs=2, mini_batch_size=10,
                      optimizer="Adam", optimizer_param={"lr": 0.01}, evaluate_sample_num_per_epoch=20,
                      verbose=False)
    trainer.train()
    record("trainer losses", trainer.train_loss_list)
    record("trainer accuracies", trainer.train_acc_list + trainer.test_acc_list)
    network = SimpleConvNet(input_dim=(1, 9, 9), conv_param={"filter_num": 3, "filter_size": 3, "pad": 2,
                                                              "stride": 2},
                            hidden_size=5, output_size=4, weight_init_std=0.1)
    x = np.random.rand(3, 1, 9, 9)
    record("stride 2 predict", network.predict(x))
    record_all("stride 2 ", network.gradient(x, np.array([0, 1, 3])))


def layers_one_by_one():
    np.random.seed(7)
    x = np.random.randn(2, 3, 7, 7).astype(np.float32)
    conv = Convolution(np.random.randn(4, 3, 3, 3), np.random.randn(4), stride=2, pad=1)
    y = conv.forward(x)
    record("conv y", y)
    record("conv dx", conv.backward(np.random.randn(*y.shape)))
    record_all("conv ", {"dW": conv.dW, "db": conv.db})
    for name, pool in (("pool 3x3", Pooling(3, 3)), ("pool 2x3", Pooling(2, 3, stride=1))):
        y = pool.forward(x)
        record(name + " y", y)
        record(name + " dx", pool.backward(np.random.randn(*y.shape)))
        record(name + " arg_max", pool.arg_max)
    dropout = Dropout(0.3)
    record("dropout y", dropout.forward(x))
    record("dropout dx", dropout.backward(np.ones_like(x)))
    record("dropout test", dropout.forward(x, False))
    norm = BatchNormalization(np.random.rand(3 * 7 * 7), np.random.rand(3 * 7 * 7))
    record("bn before training", norm.forward(x, False))
    y = norm.forward(x)
    record("bn y", y)
    record("bn dx", norm.backward(np.random.randn(*y.shape)))
    record_all("bn ", {"dgamma": norm.dgamma, "dbeta": norm.dbeta, "running_var": norm.running_var})
    record("bn after training", norm.forward(x, False))
    sigmoid = Sigmoid()
    record("sigmoid", sigmoid.forward(x))
    record("sigmoid dx", sigmoid.backward(np.ones_like(x)))


def functions_and_util():
    np.random.seed(8)
    z = np.random.randn(2, 3, 4)
    record("softmax 3-D", F.softmax(z))
    record("softmax 1-D", F.softmax(z[0, 0]))
    record("sum_squared_error", F.sum_squared_error(z, z * 0.5))
    record("cross_entropy labels", F.cross_entropy_error(F.softmax(z[0]), np.array([1, 2, 0])))
    record("cross_entropy 1-D", F.cross_entropy_error(F.softmax(z[0, 0]), np.eye(4)[2]))
    record("softmax_loss", F.softmax_loss(z[0], np.eye(4)[[0, 1, 3]]))
    record("sigmoid_grad", F.sigmoid_grad(z))
    record("relu_grad", F.relu_grad(np.array([-1.0, 0.0, 2.0])))
    record("step_function", F.step_function(z))
    record("identity_function", F.identity_function(z))
    record("smooth_curve", smooth_curve(np.random.rand(40)))
    for shape in ((6, 2), (6, 1, 2, 2)):
        shuffled, labels = shuffle_dataset(np.random.rand(*shape), np.arange(6))
        record(f"shuffle {shape}", shuffled)
        record(f"shuffle labels {shape}", labels)
    record("conv_output_size", conv_output_size(28, 5, 2))
    x = np.random.randn(2, 3, 7, 7).astype(np.float32)
    col = im2col(x, 3, 2, 2, 1)
    record("im2col", col)
    record("col2im", col2im(col * 2, x.shape, 3, 2, 2, 1))
    record("numerical_gradient", numerical_gradient(lambda w: np.sum(w ** 3), np.random.rand(2, 3)))


x, t = ch05()
ch06_batch_norm()
ch06_optimizers_and_inits(x, t)
ch07()
layers_one_by_one()
functions_and_util()
print(json.dumps(numbers))
