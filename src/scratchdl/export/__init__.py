"""ONNX export: a scratchdl model as an ONNX file that ONNX Runtime, Netron, TensorRT or OpenVINO
can open. ``to_onnx(model, path, input_shape)`` writes the model's eval-mode forward (dropout off,
batch norm with its running statistics) with a dynamic batch axis named ``batch``.

Needs the ``onnx`` package (``pip install -e ".[onnx]"``, which also installs ``onnxruntime``).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from ..atomic import write_atomic
from ..backend import get_array_module, get_default_dtype
from ..errors import ExportError
from .layers import EXPORTERS, emit, register

__all__ = ["DEFAULT_OPSET", "EXPORTERS", "MIN_OPSET", "ExportPrecisionWarning", "register", "to_onnx"]

DEFAULT_OPSET = 17
MIN_OPSET = 13  # Softmax over a single axis, as scratchdl's, from opset 13


class ExportPrecisionWarning(UserWarning):
    """A float64 model whose file computes some layers in float32 (no float64 kernel in ONNX Runtime)."""


def _require_onnx():
    try:
        import onnx
    except ImportError:
        raise ExportError('ONNX export needs the onnx package: pip install -e ".[onnx]"') from None
    return onnx


def check_opset(opset) -> int:
    """``opset`` (None: ``DEFAULT_OPSET``) if the installed onnx knows it and it is >= ``MIN_OPSET``."""
    onnx = _require_onnx()
    newest = onnx.defs.onnx_opset_version()
    if opset is None:
        return min(DEFAULT_OPSET, newest)
    if not isinstance(opset, (int, np.integer)) or not MIN_OPSET <= opset <= newest:
        raise ExportError(f"opset: must be an int from {MIN_OPSET} to {newest} "
                          f"(the installed onnx's newest), got {opset!r}")
    return int(opset)


def model_dtype(model, dtype=None) -> np.dtype:
    """The one floating dtype of ``model``'s parameters (``dtype`` or the default if it has none)."""
    dtypes = {np.dtype(p.data.dtype) for p in model.parameters()}
    if len(dtypes) > 1:
        raise ExportError(f"model: mixes parameter dtypes {sorted(map(str, dtypes))}; "
                          "call model.to(np.float32) or model.to(np.float64) first")
    found = dtypes.pop() if dtypes else np.dtype(dtype or get_default_dtype())
    if dtype is not None and np.dtype(dtype) != found:
        raise ExportError(f"dtype: {np.dtype(dtype)} given, but the model's parameters are {found}")
    if found not in (np.float32, np.float64):
        raise ExportError(f"model: expected a float32 or float64 model, got {found}")
    return found


def _output_shape(model, input_shape, dtype) -> tuple[int, ...]:
    """The eval-mode output shape for one sample; scratchdl's own error if the shape does not fit."""
    first = next(model.parameters(), None)
    xp = np if first is None else get_array_module(first.data)   # CuPy for a model on a GPU
    modes = [m.training for m in model.modules()]
    model.eval()
    try:
        out = model(xp.zeros((1, *input_shape), dtype=dtype))
    finally:
        for m, mode in zip(model.modules(), modes, strict=True):
            m.training = mode
            m._cache = None
    return tuple(out.shape[1:])


def build_onnx(model, input_shape, opset=None, dtype=None):
    """The checked ``onnx.ModelProto`` of ``model`` and the (path, operator) pairs cast to float32."""
    opset = check_opset(opset)
    try:
        shape = tuple(int(n) for n in input_shape)
    except (TypeError, ValueError):
        shape = ()
    if not shape or min(shape) < 1:
        raise ExportError(f"input_shape: must be positive ints without the batch axis, "
                          f"e.g. (1, 28, 28), got {input_shape!r}")
    dtype = model_dtype(model, dtype)
    from .graph import GraphBuilder

    builder = GraphBuilder(dtype, opset)
    emit(builder, model, "input", "")
    out_shape = _output_shape(model, shape, dtype)
    dims = ", ".join(map(str, shape))
    doc = f"{type(model).__name__} exported by scratchdl (eval mode), input (batch, {dims})"
    proto = builder.build("input", ["batch", *shape], "output", ["batch", *out_shape], doc)
    return proto, builder.casts


def to_onnx(model, path, input_shape, opset=None, *, dtype=None) -> Path:
    """Write ``model`` as ONNX to ``path`` (temporary file, then rename) and return the path.

    ``input_shape`` is one sample's shape, without the batch axis (``(1, 28, 28)``, or ``(64,)`` for an
    MLP on vectors); the batch axis is dynamic. The graph has one input ``input`` and one output
    ``output`` (the logits, for the zoo's models); weights are named by their ``state_dict`` paths
    (``features.0.weight``), Linear weights in scratchdl's (in, out) layout feeding a MatMul.
    ``opset`` defaults to ``DEFAULT_OPSET``. A float64 model gives a float64 graph; where ONNX Runtime
    has no float64 kernel (Conv, AveragePool, Erf) those layers run in float32 between Casts and an
    ``ExportPrecisionWarning`` names them. ``dtype`` is only needed for a model without parameters.
    A layer with no ONNX form raises ``ExportError`` naming its class and path.
    """
    onnx = _require_onnx()
    proto, casts = build_onnx(model, input_shape, opset, dtype)
    if casts:
        layers = ", ".join(f"{path} ({op})" for path, op in casts)
        warnings.warn(ExportPrecisionWarning(
            f"ONNX Runtime has no float64 kernel for some layers, which run in float32 inside the "
            f"float64 graph (input and output stay float64): {layers}"), stacklevel=2)
    return write_atomic(path, lambda tmp: onnx.save_model(proto, str(tmp)))
