"""A model built of ``nn`` layers, run through autograd: one table maps each layer class to its
functional form, which reads the layer's parameters and settings.

``parameters(model)`` gives a Tensor for every Parameter, on the same array (no copy), named by
its path (``features.0.weight``) and requiring grad; ``forward(model, x, params)`` walks the
module tree and calls each layer's form with those tensors. Nothing in ``nn`` changes: the layers
keep their explicit forward and backward, and this is the second road through the same model. Each
layer's operations run inside ``mode.scope(path, kind)``, so a drawing of a large graph can fold
them into one box per layer.

A layer class without a form is a ``ConfigError`` that lists the classes that have one; add one with
``register(cls, form)``, where ``form(layer, x, p, run)`` gets the layer, its input tensor, its own
parameters as ``p.weight``, ``p.bias`` (None when the layer has none), and ``run(child_name, x)``
to call a child layer.
"""

from __future__ import annotations

from .. import nn
from ..errors import ConfigError
from ..models.convnet import ConvNet
from ..models.mlp import MLP
from . import functional as F
from .mode import scope
from .tensor import Tensor


def parameters(model: nn.Module, requires_grad: bool = True) -> dict[str, Tensor]:
    """``{path: Tensor}`` for every parameter of ``model``, sharing its array, named by its path."""
    return {name: Tensor(p.data, requires_grad=requires_grad, name=name)
            for name, p in model.named_parameters()}


def forward(model: nn.Module, x, params: dict[str, Tensor] | None = None) -> Tensor:
    """``model``'s forward pass through autograd, with ``params`` (default: ``parameters(model)``)."""
    params = parameters(model) if params is None else params
    x = x if isinstance(x, Tensor) else Tensor(x, name="x")
    return _call(model, "", x, params)


class _Own:
    """A layer's own parameters by name (``p.weight``), None for one it does not have."""

    def __init__(self, params: dict, path: str, module: nn.Module):
        self._params, self._path, self._module = params, path, module

    def __getattr__(self, name: str):
        if self._module._parameters.get(name) is None:
            return None
        key = f"{self._path}.{name}" if self._path else name
        try:
            return self._params[key]
        except KeyError:
            raise ConfigError(f"from_nn: no tensor for parameter {key!r} in params") from None


def _call(module: nn.Module, path: str, x: Tensor, params: dict) -> Tensor:
    form = form_of(module)

    def run(child: str, h: Tensor) -> Tensor:
        return _call(getattr(module, child), f"{path}.{child}" if path else child, h, params)

    with scope(path or "model", type(module).__name__):
        return form(module, x, _Own(params, path, module), run)


def form_of(module: nn.Module):
    """The functional form of ``module``'s class (or of its nearest base class that has one)."""
    for cls in type(module).__mro__:
        if cls in FORMS:
            return FORMS[cls]
    known = ", ".join(sorted(cls.__name__ for cls in FORMS))
    raise ConfigError(f"from_nn: no functional form for layer {type(module).__name__}; known: {known} "
                      f"(add one with from_nn.register)")


def register(cls: type, form) -> None:
    """Give layer class ``cls`` a functional form ``form(layer, x, p, run) -> Tensor``."""
    FORMS[cls] = form


def _sequential(m, x, p, run):
    for name in m._modules:
        x = run(name, x)
    return x


def _batch_norm(m, x, p, run):
    if m.training:
        m.num_batches_tracked[...] += 1
    return F.batch_norm(x, m.running_mean, m.running_var, p.weight, p.bias, m.training, m.momentum, m.eps)


def _residual(m, x, p, run):
    h = run("relu1", run("bn1", run("conv1", x)))
    return run("relu2", run("bn2", run("conv2", h)) + run("shortcut", x))


FORMS = {
    nn.Linear: lambda m, x, p, run: F.linear(x, p.weight, p.bias),
    nn.Conv2d: lambda m, x, p, run: F.conv2d(x, p.weight, p.bias, m.stride, m.padding),
    nn.ReLU: lambda m, x, p, run: F.relu(x),
    nn.Sigmoid: lambda m, x, p, run: F.sigmoid(x),
    nn.Tanh: lambda m, x, p, run: F.tanh(x),
    nn.LeakyReLU: lambda m, x, p, run: F.leaky_relu(x, m.negative_slope),
    nn.GELU: lambda m, x, p, run: F.gelu(x, m.approximate),
    nn.Softmax: lambda m, x, p, run: F.softmax(x, m.dim),
    nn.MaxPool2d: lambda m, x, p, run: F.max_pool2d(x, m.kernel_size, m.stride, m.padding),
    nn.AvgPool2d: lambda m, x, p, run: F.avg_pool2d(x, m.kernel_size, m.stride, m.padding),
    nn.GlobalAvgPool2d: lambda m, x, p, run: F.global_avg_pool2d(x),
    nn.BatchNorm1d: _batch_norm,
    nn.BatchNorm2d: _batch_norm,
    nn.Dropout: lambda m, x, p, run: F.dropout(x, m.p, m.training, m.rng),
    nn.Dropout2d: lambda m, x, p, run: F.dropout2d(x, m.p, m.training, m.rng),
    nn.Flatten: lambda m, x, p, run: F.flatten(x),
    nn.Identity: lambda m, x, p, run: x,
    nn.Sequential: _sequential,
    nn.Residual: _residual,
    MLP: lambda m, x, p, run: run("layers", run("flatten", x)),
    ConvNet: lambda m, x, p, run: run("classifier", run("flatten", run("features", x))),
}
