"""The book's calls landing on scratchdl's PyTorch-style classes: what each error adds, pointing to
``scratchdl.common`` ("Deep Learning from Scratch"'s ``common/`` package on scratchdl), and the check
for an array given where scratchdl.nn takes a size (the book's layers take their weight arrays)."""

from __future__ import annotations

from .errors import ArgumentError

INSTALL = ("or write `import scratchdl.common; scratchdl.common.install()` and use "
           "`from common.layers import *`")

AFFINE = f"the book's Affine(W, b) on your own arrays is scratchdl.common.layers.Affine, {INSTALL}"
CONVOLUTION = (f"the book's Convolution(W, b, stride=1, pad=0) on your own arrays is "
               f"scratchdl.common.layers.Convolution, {INSTALL}")
POOLING = ("here the arguments are (kernel_size, stride=None, padding=0); the book's "
           f"Pooling(pool_h, pool_w, stride=2, pad=0) is scratchdl.common.layers.Pooling, {INSTALL}")
DROPOUT = ("scratchdl.nn.Dropout is switched by model.train() / model.eval(), not by train_flg; the book's "
           f"Dropout(dropout_ratio).forward(x, train_flg) is scratchdl.common.layers.Dropout, {INSTALL}")
BATCH_NORM = ("scratchdl.nn's batch norm is switched by model.train() / model.eval(), not by train_flg; "
              "the book's BatchNormalization(gamma, beta, momentum=0.9).forward(x, train_flg) is "
              f"scratchdl.common.layers.BatchNormalization, {INSTALL}")
LOSS = ("scratchdl.nn's losses take no dout: backward() returns dL/dy; the book's SoftmaxWithLoss with "
        f"backward(dout=1) is scratchdl.common.layers.SoftmaxWithLoss, {INSTALL}")
MLP = ("MLP takes one list of sizes, MLP([784, 100, 10]); the book's MultiLayerNet(input_size, "
       "hidden_size_list, output_size, ...) is scratchdl.common.multi_layer_net.MultiLayerNet")
SIMPLE_CONVNET = ("the book's SimpleConvNet(input_dim, conv_param, hidden_size, output_size, "
                  "weight_init_std) is scratchdl.common.simple_convnet.SimpleConvNet")
RMSPROP = ("the book's RMSprop(lr, decay_rate) is scratchdl.common.optimizer.RMSprop "
           "(here decay_rate is called alpha, and eps is PyTorch's 1e-8)")
ADAM = ("the book's Adam(lr, beta1, beta2) is scratchdl.common.optimizer.Adam (here betas=(beta1, beta2), "
        "and eps is PyTorch's)")


def refuse_array(value, call: str, hint: str) -> None:
    """An ``ArgumentError`` when ``value``, a size for scratchdl.nn, is an array (of at least one
    dimension): the book's layer of that name takes arrays, so say which one it is."""
    shape = getattr(value, "shape", None)
    if shape is not None and len(shape) > 0:
        raise ArgumentError(f"{call} takes sizes and makes its own weights, got an array of shape "
                            f"{tuple(shape)}; {hint}")
