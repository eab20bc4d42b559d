"""Shared by the ONNX export tests: export a model, run the file in ONNX Runtime, compare with scratchdl."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort

from scratchdl.export import to_onnx
from scratchdl.nn import BatchNorm1d, BatchNorm2d


def randomize_batch_norm(model, seed: int = 0):
    """Give every batch norm non-trivial running statistics and affine parameters, so that an export
    that ignored them (or used batch statistics) would give different numbers."""
    rng = np.random.default_rng(seed)
    for module in model.modules():
        if isinstance(module, BatchNorm1d | BatchNorm2d):
            n, dtype = module.num_features, module.running_mean.dtype
            module.running_mean[...] = rng.normal(0, 0.5, n).astype(dtype)
            module.running_var[...] = rng.uniform(0.5, 2.0, n).astype(dtype)
            if module.affine:
                module.weight.data[...] = rng.uniform(0.5, 1.5, n).astype(dtype)
                module.bias.data[...] = rng.normal(0, 0.5, n).astype(dtype)
    return model


def session(path) -> ort.InferenceSession:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def export_and_compare(model, input_shape, path, batches=(1, 7), dtype=np.float32, tol=1e-5, seed=1, **kw):
    """Export ``model`` to ``path``; check the file and that ONNX Runtime gives scratchdl's eval-mode
    outputs within ``tol`` (relative to the outputs' largest magnitude) at each batch size, all from
    the same file. Returns the loaded ONNX model."""
    to_onnx(model, path, input_shape, **kw)
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    run = session(path)
    rng = np.random.default_rng(seed)
    model.eval()
    for n in batches:
        x = rng.normal(size=(n, *input_shape)).astype(dtype)
        expected = np.asarray(model(x))
        (got,) = run.run(None, {"input": x})
        assert got.dtype == expected.dtype
        assert got.shape == expected.shape
        scale = max(1.0, float(np.abs(expected).max()))
        error = float(np.abs(got - expected).max())
        assert error <= tol * scale, f"batch {n}: max |onnx - scratchdl| = {error:.3g} (scale {scale:.3g})"
    return proto
