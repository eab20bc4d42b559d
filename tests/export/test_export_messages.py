"""What a user reads when an export cannot be done as asked: one line naming the option, what was
expected and what was given; the precision note of a float64 model."""

import sys
import warnings

import numpy as np
import onnx
import pytest

from scratchdl import nn
from scratchdl.errors import ExportError
from scratchdl.export import ExportPrecisionWarning, to_onnx

NEWEST = onnx.defs.onnx_opset_version()


class Doubler(nn.Module):
    def forward(self, x):
        return 2 * x


@pytest.mark.parametrize(("model", "shape", "kw", "message"), [
    (nn.Sequential(nn.ReLU()), (3,), {"opset": 12},
     f"opset: must be an int from 13 to {NEWEST} (the installed onnx's newest), got 12"),
    (nn.Sequential(nn.ReLU()), (3,), {"opset": NEWEST + 1},
     f"opset: must be an int from 13 to {NEWEST} (the installed onnx's newest), got {NEWEST + 1}"),
    (nn.Sequential(nn.ReLU()), (0, 3), {},
     "input_shape: must be positive ints without the batch axis, e.g. (1, 28, 28), got (0, 3)"),
    (nn.Sequential(nn.ReLU()), "a", {},
     "input_shape: must be positive ints without the batch axis, e.g. (1, 28, 28), got 'a'"),
    (nn.Sequential(nn.Linear(3, 2, dtype=np.float64), nn.Linear(2, 2, dtype=np.float32)), (3,), {},
     "model: mixes parameter dtypes ['float32', 'float64']; call model.to(np.float32) or "
     "model.to(np.float64) first"),
    (nn.Sequential(nn.Linear(3, 2)), (3,), {"dtype": np.float64},
     "dtype: float64 given, but the model's parameters are float32"),
    (nn.Sequential(nn.Linear(3, 2, dtype=np.float64)), (3,), {"dtype": np.float32},
     "dtype: float32 given, but the model's parameters are float64"),
    (nn.Sequential(nn.ReLU()), (3,), {"dtype": np.float16},
     "model: expected a float32 or float64 model, got float16"),
    (Doubler(), (3,), {},
     "layer Doubler (the model itself) has no ONNX form: only scratchdl.nn layers, Sequential and the zoo's "
     "models export, and a subclass must keep its parent's forward; add one with "
     "@scratchdl.export.register(Doubler)"),
])
def test_what_cannot_be_exported_is_said_in_one_line(model, shape, kw, message, tmp_path):
    with pytest.raises(ExportError) as info:
        to_onnx(model, tmp_path / "m.onnx", shape, **kw)
    assert str(info.value) == message
    assert not list(tmp_path.iterdir())


def test_a_model_without_parameters_takes_the_dtype_given(tmp_path):
    to_onnx(nn.Sequential(nn.ReLU()), tmp_path / "m.onnx", (3,), dtype=np.float64)
    proto = onnx.load(str(tmp_path / "m.onnx"))
    assert proto.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
    to_onnx(nn.Sequential(nn.ReLU()), tmp_path / "m.onnx", (3,), opset=None)  # the default dtype
    proto = onnx.load(str(tmp_path / "m.onnx"))
    assert proto.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT


def test_without_onnx_the_error_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ExportError) as info:
        to_onnx(nn.Sequential(nn.ReLU()), tmp_path / "m.onnx", (3,))
    assert str(info.value) == 'ONNX export needs the onnx package: pip install -e ".[onnx]"'


def test_the_float64_note_names_each_layer_run_in_float32(tmp_path):
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.GELU(), nn.Sequential(nn.AvgPool2d(1))).to(np.float64)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        to_onnx(model, tmp_path / "m.onnx", (1, 5, 5))
    (note,) = caught
    assert note.category is ExportPrecisionWarning
    assert str(note.message) == (
        "ONNX Runtime has no float64 kernel for some layers, which run in float32 inside the float64 graph "
        "(input and output stay float64): 0 (Conv), 1 (Erf), 2.0 (AveragePool)")


def test_exporting_in_the_middle_of_training_changes_nothing_of_the_model(tmp_path):
    """The export runs the model once in eval mode to find its output shape: a model being trained
    keeps its mode (a mixed one too) and has no cached forward of that run."""
    model = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5), nn.BatchNorm1d(4), nn.Linear(4, 2))
    model[2].eval()  # batch norm frozen while the rest trains
    before = {k: v.copy() for k, v in model.state_dict().items()}
    to_onnx(model, tmp_path / "m.onnx", (3,))
    assert [m.training for m in model.modules()] == [True, True, True, False, True]
    assert all(m._cache is None for m in model.modules())
    assert all(np.array_equal(before[k], v) for k, v in model.state_dict().items())  # running stats too


def test_the_oldest_and_the_newest_opset_are_both_accepted(tmp_path):
    for opset in (13, NEWEST):
        proto = onnx.load(str(to_onnx(nn.Sequential(nn.ReLU()), tmp_path / "m.onnx", (3,), opset=opset)))
        assert [o.version for o in proto.opset_import] == [opset]
