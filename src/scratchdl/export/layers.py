"""Each scratchdl layer as ONNX nodes: a registry of exporters keyed by layer class.

An exporter is ``fn(builder, layer, x, path) -> y``: it appends the nodes that compute the layer's
eval-mode forward from the tensor named ``x`` and returns the name of the output tensor. ``path`` is
the layer's place in the model (``features.0``), which names its weights and nodes.

A layer is exported by the exporter of the nearest class in its MRO that has one, but only if it
still runs that class's ``forward``: a subclass with a forward of its own computes something the
exporter does not know, and raises ``ExportError`` instead (as does any Module with no exporter).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ..errors import ExportError
from ..models.convnet import ConvNet
from ..models.mlp import MLP
from ..nn import (
    GELU,
    AvgPool2d,
    BatchNorm1d,
    BatchNorm2d,
    Conv2d,
    Dropout,
    Dropout2d,
    Flatten,
    GlobalAvgPool2d,
    Identity,
    LeakyReLU,
    Linear,
    MaxPool2d,
    Module,
    ReLU,
    Residual,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
)

EXPORTERS: dict[type, Callable] = {}


def register(*classes: type):
    """Decorator: ``fn(builder, layer, x, path) -> output name`` exports layers of ``classes``.

    ``builder.node(op, inputs, name, **attributes)`` appends one ONNX node and returns its output's
    name; ``builder.initializer(name, array)`` adds a constant (in the graph's dtype). For example::

        @scratchdl.export.register(Doubler)
        def doubler(builder, layer, x, path):
            return builder.node("Add", [x, x], path or "Doubler")
    """

    def add(fn):
        for cls in classes:
            EXPORTERS[cls] = fn
        return fn

    return add


def exporter_for(layer: Module):
    """The exporter of ``layer``'s class, or None (no exporter, or a forward of the layer's own)."""
    for cls in type(layer).__mro__:
        if cls in EXPORTERS:
            return EXPORTERS[cls] if type(layer).forward is cls.forward else None
    return None


def emit(b, layer: Module, x: str, path: str) -> str:
    """Append ``layer``'s nodes reading tensor ``x``; the name of its output tensor."""
    fn = exporter_for(layer)
    if fn is None:
        where = f"at {path!r}" if path else "(the model itself)"
        raise ExportError(
            f"layer {type(layer).__name__} {where} has no ONNX form: only scratchdl.nn layers, "
            f"Sequential and the zoo's models export, and a subclass must keep its parent's forward; "
            f"add one with @scratchdl.export.register({type(layer).__name__})"
        )
    return fn(b, layer, x, path)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _label(layer: Module, path: str) -> str:
    """How a layer's nodes are named: its path, or its class for the model itself."""
    return path or type(layer).__name__


# ---- containers --------------------------------------------------------------------------
@register(Sequential)
def sequential(b, m, x, path):
    for key, child in m._modules.items():
        x = emit(b, child, x, _join(path, key))
    return x


def _chain(*names: str):
    """An exporter for a model whose forward calls the children ``names`` in this order."""

    def export(b, m, x, path):
        for key in names:
            x = emit(b, getattr(m, key), x, _join(path, key))
        return x

    return export


register(MLP)(_chain("flatten", "layers"))
register(ConvNet)(_chain("features", "flatten", "classifier"))


@register(Residual)
def residual(b, m, x, path):
    h = x
    for key in ("conv1", "bn1", "relu1", "conv2", "bn2"):
        h = emit(b, getattr(m, key), h, _join(path, key))
    shortcut = emit(b, m.shortcut, x, _join(path, "shortcut"))
    total = b.node("Add", [h, shortcut], f"{_label(m, path)}/Add")
    return emit(b, m.relu2, total, _join(path, "relu2"))


# ---- affine, convolution, pooling, normalization -----------------------------------------
@register(Linear)
def linear(b, m, x, path):
    """``y = x W + b``: W keeps scratchdl's (in, out) layout, so no transpose (MatMul, then Add)."""
    p = _label(m, path)
    w = b.initializer(_join(path, "weight"), m.weight.data)
    if m.bias is None:
        return b.node("MatMul", [x, w], p)
    y = b.node("MatMul", [x, w], f"{p}/MatMul")
    return b.node("Add", [y, b.initializer(_join(path, "bias"), m.bias.data)], p)


def _in_compute_dtype(b, op: str, x: str, p: str):
    """``x`` cast to the dtype ``op`` runs in, and that dtype."""
    dtype = b.compute_dtype(op, p)
    return (x if dtype == b.dtype else b.cast(x, dtype, f"{p}/Cast")), dtype


def _back_to_graph_dtype(b, y: str, dtype, p: str) -> str:
    return y if dtype == b.dtype else b.cast(y, b.dtype, p)


def _pads(padding) -> list[int]:
    ph, pw = padding
    return [ph, pw, ph, pw]


@register(Conv2d)
def conv2d(b, m, x, path):
    p = _label(m, path)
    x, dtype = _in_compute_dtype(b, "Conv", x, p)
    inputs = [x, b.initializer(_join(path, "weight"), m.weight.data, dtype)]
    if m.bias is not None:
        inputs.append(b.initializer(_join(path, "bias"), m.bias.data, dtype))
    y = b.node("Conv", inputs, p if dtype == b.dtype else f"{p}/Conv",
               kernel_shape=list(m.kernel_size), strides=list(m.stride), pads=_pads(m.padding))
    return _back_to_graph_dtype(b, y, dtype, p)


@register(MaxPool2d)
def max_pool(b, m, x, path):
    """ONNX's MaxPool ignores padded cells, as scratchdl's padding with -inf does."""
    return b.node("MaxPool", [x], _label(m, path), kernel_shape=list(m.kernel_size),
                  strides=list(m.stride), pads=_pads(m.padding))


@register(AvgPool2d)
def avg_pool(b, m, x, path):
    """The zero padding counts in the mean, as in scratchdl and PyTorch (``count_include_pad=1``)."""
    p = _label(m, path)
    x, dtype = _in_compute_dtype(b, "AveragePool", x, p)
    y = b.node("AveragePool", [x], p if dtype == b.dtype else f"{p}/AveragePool",
               kernel_shape=list(m.kernel_size), strides=list(m.stride), pads=_pads(m.padding),
               count_include_pad=1)
    return _back_to_graph_dtype(b, y, dtype, p)


@register(GlobalAvgPool2d)
def global_avg_pool(b, m, x, path):
    """(N, C, H, W) -> (N, C): ReduceMean over H and W (GlobalAveragePool would keep 1x1 axes)."""
    p = _label(m, path)
    if b.opset >= 18:  # the axes became an input in opset 18
        axes = b.initializer(f"{p}/axes", np.array([2, 3], dtype=np.int64))
        return b.node("ReduceMean", [x, axes], p, keepdims=0)
    return b.node("ReduceMean", [x], p, axes=[2, 3], keepdims=0)


@register(BatchNorm1d, BatchNorm2d)
def batch_norm(b, m, x, path):
    """Eval mode: ``(x - running_mean) / sqrt(running_var + eps) * weight + bias`` per channel (axis 1)."""
    p = _label(m, path)
    if m.affine:
        scale = b.initializer(_join(path, "weight"), m.weight.data)
        shift = b.initializer(_join(path, "bias"), m.bias.data)
    else:
        scale = b.initializer(f"{p}/ones", np.ones(m.num_features))
        shift = b.initializer(f"{p}/zeros", np.zeros(m.num_features))
    mean = b.initializer(_join(path, "running_mean"), m.running_mean)
    var = b.initializer(_join(path, "running_var"), m.running_var)
    if b.dtype == np.float64:  # ONNX's epsilon attribute is a float32: add eps in the graph's float64
        var = b.node("Add", [var, b.scalar(f"{p}/eps", m.eps)], f"{p}/var_eps")
        return b.node("BatchNormalization", [x, scale, shift, mean, var], p, epsilon=0.0)
    return b.node("BatchNormalization", [x, scale, shift, mean, var], p, epsilon=float(m.eps))


# ---- elementwise and shape ---------------------------------------------------------------
def _unary(op: str, **attributes):
    def export(b, m, x, path):
        return b.node(op, [x], _label(m, path), **attributes)

    return export


register(ReLU)(_unary("Relu"))
register(Sigmoid)(_unary("Sigmoid"))
register(Tanh)(_unary("Tanh"))
register(Flatten)(_unary("Flatten", axis=1))
# Dropout and Dropout2d are the identity in inference; an Identity node keeps their place visible.
register(Identity, Dropout, Dropout2d)(_unary("Identity"))


@register(LeakyReLU)
def leaky_relu(b, m, x, path):
    """``LeakyRelu``; in a float64 graph ``Where(x < 0, x * slope, x)``, since ONNX's ``alpha``
    attribute is a float32 (0.2 would become 0.20000000298)."""
    p = _label(m, path)
    if b.dtype != np.float64:
        return b.node("LeakyRelu", [x], p, alpha=float(m.negative_slope))
    negative = b.node("Less", [x, b.scalar(f"{p}/zero", 0.0)], f"{p}/Less")
    scaled = b.node("Mul", [x, b.scalar(f"{p}/negative_slope", m.negative_slope)], f"{p}/Mul")
    return b.node("Where", [negative, scaled, x], p)


@register(Softmax)
def softmax(b, m, x, path):
    """One axis (opset 13 and later), as scratchdl's ``dim``."""
    return b.node("Softmax", [x], _label(m, path), axis=int(m.dim))


@register(GELU)
def gelu(b, m, x, path):
    r"""Built from elementary nodes, so any opset from 13 runs it (the ``Gelu`` operator is opset 20):
    exact :math:`\tfrac12 x (1 + \mathrm{erf}(x/\sqrt2))`, or with ``approximate="tanh"``
    :math:`\tfrac12 x (1 + \tanh(\sqrt{2/\pi}(x + 0.044715 x^3)))`."""
    p = _label(m, path)
    if m.approximate == "tanh":
        cube = b.node("Mul", [b.node("Mul", [x, x], f"{p}/Square"), x], f"{p}/Cube")
        inner = b.node("Add", [x, b.node("Mul", [cube, b.scalar(f"{p}/k", 0.044715)], f"{p}/MulK")],
                       f"{p}/Inner")
        scaled = b.node("Mul", [inner, b.scalar(f"{p}/c", math.sqrt(2 / math.pi))], f"{p}/MulC")
        phi = b.node("Tanh", [scaled], f"{p}/Tanh")
    else:
        z = b.node("Div", [x, b.scalar(f"{p}/sqrt2", math.sqrt(2))], f"{p}/Div")
        z, dtype = _in_compute_dtype(b, "Erf", z, p)
        phi = _back_to_graph_dtype(b, b.node("Erf", [z], f"{p}/Erf"), dtype, f"{p}/Erf_back")
    one_plus = b.node("Add", [phi, b.scalar(f"{p}/one", 1.0)], f"{p}/AddOne")
    half_x = b.node("Mul", [x, b.scalar(f"{p}/half", 0.5)], f"{p}/Half")
    return b.node("Mul", [half_x, one_plus], p)
