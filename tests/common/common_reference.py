"""References for the book-style networks, computed independently of scratchdl.common: the same
networks built from scratchdl.nn's explicit layers in float64, given the same weights, and the book's
loss (1e-7 inside the log) written out from nn's log-softmax. The book's random draws (weights,
batches, dropout masks) are made again here from NumPy's global generator, seeded the same way."""

from __future__ import annotations

import gzip
import math
import struct

import numpy as np

from scratchdl import nn, optim
from scratchdl.nn.loss import log_softmax

F64 = np.float64


def labels_of(t):
    return t.argmax(axis=1) if t.ndim == 2 else t


def book_loss(scores, t) -> float:
    """The book's softmax cross-entropy: -mean log(softmax + 1e-7) at the labels."""
    p = np.exp(log_softmax(scores))
    n = len(scores)
    return float(-np.sum(np.log(p[np.arange(n), labels_of(t)] + 1e-7)) / n)


def linear(W, b):
    """An nn.Linear in float64 holding copies of ``W`` (in, out) and ``b``."""
    layer = nn.Linear(*W.shape, dtype=F64)
    layer.weight.data[...] = W
    layer.bias.data[...] = b
    return layer


def conv(W, b, stride, pad):
    """An nn.Conv2d in float64 holding copies of the filters ``W`` (FN, C, FH, FW) and ``b``."""
    layer = nn.Conv2d(W.shape[1], W.shape[0], W.shape[2:], stride=stride, padding=pad, dtype=F64)
    layer.weight.data[...] = W
    layer.bias.data[...] = b
    return layer


class BookDropout(nn.Module):
    """The book's dropout, written again: mask ``np.random.rand(*shape) > r``, x * mask; (1 - r) x in eval."""

    def __init__(self, ratio):
        super().__init__()
        self.ratio = ratio

    def forward(self, x):
        if not self.training:
            return x * (1.0 - self.ratio)
        self._cache = np.random.rand(*x.shape) > self.ratio  # noqa: NPY002 (the book's draw)
        return x * self._cache

    def backward(self, dout):
        return dout * self.saved()


def mlp(params, hidden, activation="relu", batchnorm=False, dropout=None):
    """nn.Sequential of the book's MultiLayerNet(Extend) with copies of ``params``; the batch norms
    (eps 1e-6, the book's) are in ``model.norms`` by layer number."""
    act = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid}[activation]
    layers, norms = [], {}
    for i in range(1, hidden + 1):
        layers.append(linear(params[f"W{i}"], params[f"b{i}"]))
        if batchnorm:
            norm = nn.BatchNorm1d(params[f"W{i}"].shape[1], eps=1e-6, dtype=F64)
            norm.weight.data[...] = params[f"gamma{i}"]
            norm.bias.data[...] = params[f"beta{i}"]
            norms[i] = norm
            layers.append(norm)
        layers.append(act())
        if dropout is not None:
            layers.append(BookDropout(dropout))
    layers.append(linear(params[f"W{hidden + 1}"], params[f"b{hidden + 1}"]))
    model = nn.Sequential(*layers)
    object.__setattr__(model, "norms", norms)
    return model


def book_names(model) -> dict:
    """The model's parameters under the book's names: W1, b1, (gamma1, beta1,) W2, ..."""
    names, i = {}, 0
    for layer in model:
        if isinstance(layer, nn.Linear | nn.Conv2d):
            i += 1
            names[f"W{i}"], names[f"b{i}"] = layer.weight, layer.bias
        elif isinstance(layer, nn.BatchNorm1d):
            names[f"gamma{i}"], names[f"beta{i}"] = layer.weight, layer.bias
    return names


def gradients(model, x, t, weight_decay=0.0) -> dict:
    """The book's gradient of model on (x, t): backprop through nn, plus weight_decay * W."""
    model.zero_grad()
    loss = nn.CrossEntropyLoss()
    loss(model(x.astype(F64)), labels_of(t))
    model.backward(loss.backward())
    grads = {}
    for name, p in book_names(model).items():
        grads[name] = p.grad + (weight_decay * p.data if name.startswith("W") else 0)
    return grads


def loss_with_decay(model, x, t, weight_decay=0.0) -> float:
    """The book's loss: cross-entropy with 1e-7, plus lambda/2 times the sum of squared weights."""
    decay = sum(0.5 * weight_decay * np.sum(p.data ** 2) for n, p in book_names(model).items() if n[0] == "W")
    return book_loss(model(x.astype(F64)), t) + decay


def simple_convnet(params, stride, pad):
    """nn.Sequential of the book's SimpleConvNet with copies of ``params``."""
    return nn.Sequential(conv(params["W1"], params["b1"], stride, pad), nn.ReLU(), nn.MaxPool2d(2, 2),
                         nn.Flatten(), linear(params["W2"], params["b2"]), nn.ReLU(),
                         linear(params["W3"], params["b3"]))


class BookAdam(optim.Adam):
    """PyTorch's Adam with eps 1e-7 / sqrt(1 - beta2^t): the book's rule, which adds 1e-7 to the
    uncorrected sqrt(v)."""

    def update_parameter(self, p, g, state):
        self.eps = 1e-7 / math.sqrt(1 - self.betas[1] ** self.t)
        super().update_parameter(p, g, state)


def assert_close(ours: dict, reference: dict, tol=1e-10) -> None:
    """Every array of ``ours`` within ``tol`` of the same name in ``reference`` (same keys)."""
    assert ours.keys() == reference.keys()
    for key in ours:
        got, want = np.asarray(ours[key]), np.asarray(reference[key])
        assert got.shape == want.shape, key
        np.testing.assert_allclose(got, want, rtol=0, atol=tol, err_msg=key)


STEMS = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
         "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def write_mnist(folder, sizes):
    """The four gzipped IDX files with random bytes, written with struct (magic, sizes, data)."""
    rng = np.random.default_rng(0)
    for (images, labels), n in zip(STEMS.values(), sizes, strict=True):
        pixels = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        header = struct.pack(">IIII", 0x803, n, 28, 28)
        (folder / f"{images}.gz").write_bytes(gzip.compress(header + pixels.tobytes()))
        digits = rng.integers(0, 10, n, dtype=np.uint8)
        (folder / f"{labels}.gz").write_bytes(gzip.compress(struct.pack(">II", 0x801, n) + digits.tobytes()))
