"""The benchmark workloads W1-W4 of ``docs/design.md``, built the same way in scratchdl and PyTorch.

- W1: MLP 784-100-100-10, ReLU, softmax cross-entropy, batch 100
- W2: MLP 784-1024-1024-10, batch 256
- W3: SimpleConvNet: conv 30x5x5 (1x28x28 input, no padding), ReLU, max-pool 2x2, affine 100, ReLU,
  affine 10, batch 100
- W4: VGG-style: conv16-conv16-pool-conv32-conv32-pool (3x3, pad 1, ReLU), affine 100, ReLU,
  affine 10, batch 100

One training step = forward + backward + SGD update (lr 0.01), float32, on a synthetic batch of MNIST
shape (1x28x28 pixels in [0, 1), labels 0-9). Neither framework computes the gradient with respect to
the data: PyTorch's input does not require grad, and the scratchdl model is told
``requires_input_grad(False)``, as ``scratchdl.train.fit`` does. ``make_step(framework, name, batch)``
returns a zero-argument function doing exactly one such step (its ``model`` attribute is the network);
the data and the model are built once, outside it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np  # NumPy first, as users write it: the speed must not depend on the import order

INPUT_SHAPE = (1, 28, 28)
NUM_CLASSES = 10
LR = 0.01
FRAMEWORKS = ("scratchdl", "torch")


@dataclass(frozen=True)
class Workload:
    name: str
    description: str
    batch: int
    target: float  # the bar for scratchdl / PyTorch samples per second


WORKLOADS = {
    "W1": Workload("W1", "MLP 784-100-100-10", 100, 1.0),
    "W2": Workload("W2", "MLP 784-1024-1024-10", 256, 0.95),
    "W3": Workload("W3", "SimpleConvNet conv30x5x5-pool-100-10", 100, 0.9),
    "W4": Workload("W4", "VGG conv16-16-pool-32-32-pool-100-10", 100, 0.8),
}


def synthetic_batch(batch: int, seed: int = 0):
    """``(x, t)``: float32 images of shape (batch, 1, 28, 28) in [0, 1) and int64 labels 0-9."""
    rng = np.random.default_rng(seed)
    x = rng.random((batch, *INPUT_SHAPE), dtype=np.float32)
    t = rng.integers(0, NUM_CLASSES, size=batch, dtype=np.int64)
    return x, t


# ---- scratchdl ---------------------------------------------------------------------------------
def scratchdl_model(name: str, seed: int = 0):
    """The scratchdl network of workload ``name`` (float32, weights drawn from ``seed``)."""
    from scratchdl import models

    rng = np.random.default_rng(seed)
    if name == "W1":
        return models.MLP([784, 100, 100, NUM_CLASSES], rng=rng, dtype=np.float32)
    if name == "W2":
        return models.MLP([784, 1024, 1024, NUM_CLASSES], rng=rng, dtype=np.float32)
    if name == "W3":
        return models.SimpleConvNet(INPUT_SHAPE, NUM_CLASSES, channels=30, kernel_size=5, padding=0,
                                    hidden=100, rng=rng, dtype=np.float32)
    if name == "W4":
        return models.VGG(INPUT_SHAPE, NUM_CLASSES, cfg=(16, 16, "M", 32, 32, "M"), hidden=(100,),
                          rng=rng, dtype=np.float32)
    raise KeyError(name)


def scratchdl_step(name: str, batch: int, seed: int = 0, device: str = "cpu"):
    """One scratchdl training step of workload ``name`` at ``batch`` on ``device``, as a function.

    On a GPU the loss stays there (``criterion.value``, no checks): a host read per step would wait
    for the whole queue, which PyTorch's step does not do either."""
    from scratchdl.backend import to_device
    from scratchdl.nn import CrossEntropyLoss
    from scratchdl.optim import SGD

    model = scratchdl_model(name, seed).train().requires_input_grad(False).to(device=device)
    criterion = CrossEntropyLoss()
    optimizer = SGD(model.parameters(), lr=LR)
    x, t = (to_device(a, device) for a in synthetic_batch(batch, seed))
    loss_of = criterion if device == "cpu" else criterion.value

    def step():
        model.zero_grad()
        loss = loss_of(model(x), t)
        model.backward(criterion.backward())
        optimizer.step()
        return loss

    step.model = model
    return step


# ---- scratchdl.autograd -------------------------------------------------------------------------
def autograd_step(name: str, batch: int, seed: int = 0, device: str = "cpu"):
    """One training step of workload ``name`` through ``scratchdl.autograd``: the network written with
    ``F.linear`` (W1, W2) or ``F.conv2d`` (W3, W4), on the same weights as ``scratchdl_model(name, seed)``
    (tensors sharing its arrays), ``loss.backward()`` and the same ``SGD``. The input does not require
    grad, as in the other two frameworks."""
    from scratchdl.autograd import Tensor
    from scratchdl.autograd import functional as F
    from scratchdl.backend import to_device
    from scratchdl.optim import SGD

    model = scratchdl_model(name, seed).to(device=device)
    params = {key: Tensor(p.data, requires_grad=True) for key, p in model.named_parameters()}
    optimizer = SGD(list(params.values()), lr=LR)
    x, t = (to_device(a, device) for a in synthetic_batch(batch, seed))
    x = Tensor(x)

    def mlp(h):
        h = h.reshape(len(h), -1)
        for i in (0, 2):
            h = F.relu(F.linear(h, params[f"layers.{i}.weight"], params[f"layers.{i}.bias"]))
        return F.linear(h, params["layers.4.weight"], params["layers.4.bias"])

    def convnet(h):
        convs = sorted({key.rsplit(".", 1)[0] for key in params if key.startswith("features.")},
                       key=lambda k: int(k.split(".")[1]))
        for layer in model.features:
            if type(layer).__name__ == "Conv2d":
                key = convs.pop(0)
                h = F.relu(F.conv2d(h, params[f"{key}.weight"], params[f"{key}.bias"], layer.stride,
                                    layer.padding))
            elif type(layer).__name__ == "MaxPool2d":
                h = F.max_pool2d(h, layer.kernel_size)
        h = h.reshape(len(h), -1)
        h = F.relu(F.linear(h, params["classifier.0.weight"], params["classifier.0.bias"]))
        return F.linear(h, params["classifier.2.weight"], params["classifier.2.bias"])

    network = mlp if name in ("W1", "W2") else convnet

    def step():
        optimizer.zero_grad()
        loss = F.cross_entropy(network(x), t)
        loss.backward()
        optimizer.step()
        return loss

    step.model = model
    return step


# ---- PyTorch -----------------------------------------------------------------------------------
def torch_model(name: str, seed: int = 0):
    """The same architecture as ``scratchdl_model(name)`` in ``torch.nn`` (PyTorch's default init)."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    if name in ("W1", "W2"):
        hidden = 100 if name == "W1" else 1024
        return nn.Sequential(nn.Flatten(), nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, hidden),
                             nn.ReLU(), nn.Linear(hidden, NUM_CLASSES))
    if name == "W3":
        return nn.Sequential(nn.Conv2d(1, 30, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(30 * 12 * 12, 100), nn.ReLU(), nn.Linear(100, NUM_CLASSES))
    if name == "W4":
        layers, channels = [], 1
        for out in (16, 16, "M", 32, 32, "M"):
            if out == "M":
                layers.append(nn.MaxPool2d(2))
            else:
                layers += [nn.Conv2d(channels, out, 3, padding=1), nn.ReLU()]
                channels = out
        return nn.Sequential(*layers, nn.Flatten(), nn.Linear(32 * 7 * 7, 100), nn.ReLU(),
                             nn.Linear(100, NUM_CLASSES))
    raise KeyError(name)


def torch_step(name: str, batch: int, seed: int = 0, device: str = "cpu"):
    """One PyTorch training step of workload ``name`` at ``batch`` on ``device``, as a function."""
    import torch

    model = torch_model(name, seed).train().to(device)
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    x, t = (torch.from_numpy(a).to(device) for a in synthetic_batch(batch, seed))

    def step():
        optimizer.zero_grad()
        loss = criterion(model(x), t)
        loss.backward()
        optimizer.step()
        return loss

    step.model = model
    return step


def make_step(framework: str, name: str, batch: int, seed: int = 0):
    """A zero-argument function running one training step of ``name`` in ``framework`` (one of
    ``FRAMEWORKS``, or ``"autograd"``: scratchdl's second road, compared by ``autograd_step.py``)."""
    if framework == "scratchdl":
        return scratchdl_step(name, batch, seed)
    if framework == "torch":
        return torch_step(name, batch, seed)
    if framework == "autograd":
        return autograd_step(name, batch, seed)
    raise KeyError(framework)
