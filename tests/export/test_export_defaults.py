"""What an export gives without options, and float64 everywhere: the documented opset (17, README
"ONNX export") from ``to_onnx`` and from ``scratchdl export``; every layer's network and every zoo
model, in float64, loads and runs in ONNX Runtime with scratchdl's outputs (layers that ONNX Runtime
has no float64 kernel for run in float32 inside the float64 graph, and the export says which)."""

from __future__ import annotations

import warnings

import numpy as np
import onnx
import pytest
from export_helpers import randomize_batch_norm, session
from onnx import TensorProto
from test_export_layers import CASES
from test_export_zoo import VARIANTS, make

from scratchdl import export
from scratchdl.export import ExportPrecisionWarning, to_onnx

README_OPSET = 17  # README, "ONNX export": "opsets 13 and up work; the default is 17"


def test_to_onnx_writes_the_documented_opset_by_default(tmp_path):
    model = make("simple_cnn", (1, 8, 8))
    proto = onnx.load(str(to_onnx(model, tmp_path / "m.onnx", (1, 8, 8))))
    assert [(o.domain, o.version) for o in proto.opset_import] == [("", README_OPSET)]
    assert export.DEFAULT_OPSET == README_OPSET


@pytest.mark.slow  # trains a run first (about 5 s on 2 busy cores)
def test_scratchdl_export_writes_and_says_the_documented_opset(tmp_path, capsys):
    from scratchdl.cli import main

    run = str(tmp_path / "run")
    assert main(["train", "--model", "mlp", "--hidden", "8", "--epochs", "1", "--out", run,
                 "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["export", run]) == 0
    out = capsys.readouterr().out
    proto = onnx.load(str(tmp_path / "run" / "model.onnx"))
    assert proto.opset_import[0].version == README_OPSET
    assert f"opset {README_OPSET}," in out


def export_float64(model, input_shape, path) -> tuple[onnx.ModelProto, list[str]]:
    """Export ``model`` (float64) and check that ONNX Runtime loads the file and gives scratchdl's
    outputs: within 1e-12 where the whole graph is float64, 1e-5 where some layers run in float32.
    Returns the model and the precision notes."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        to_onnx(model, path, input_shape, dtype=np.float64)
    notes = [str(w.message) for w in caught if issubclass(w.category, ExportPrecisionWarning)]
    proto = onnx.load(str(path))
    assert proto.graph.input[0].type.tensor_type.elem_type == TensorProto.DOUBLE
    assert proto.graph.output[0].type.tensor_type.elem_type == TensorProto.DOUBLE
    model.eval()
    x = np.random.default_rng(1).normal(size=(3, *input_shape))
    expected = np.asarray(model(x))
    (got,) = session(path).run(None, {"input": x})
    assert got.dtype == np.float64 and got.shape == expected.shape
    tol = 1e-5 if notes else 1e-12
    scale = max(1.0, float(np.abs(expected).max()))
    assert float(np.abs(got - expected).max()) <= tol * scale
    return proto, notes


CAST_OPS = {"Conv", "AveragePool", "Erf"}  # no float64 kernel in ONNX Runtime


@pytest.mark.parametrize("case", CASES)
def test_every_layer_exports_and_runs_in_float64(case, tmp_path):
    factory, shape = CASES[case]
    model = randomize_batch_norm(factory().to(np.float64))
    proto, notes = export_float64(model, shape, tmp_path / f"{case}.onnx")
    ops = {node.op_type for node in proto.graph.node}
    assert bool(notes) == bool(ops & CAST_OPS), (ops, notes)


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_zoo_model_exports_and_runs_in_float64(variant, tmp_path):
    model = make(variant, (1, 8, 8), dtype=np.float64)
    export_float64(model, (1, 8, 8), tmp_path / "m.onnx")
