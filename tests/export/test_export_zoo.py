"""Every zoo model at both input sizes exports to ONNX, and ONNX Runtime gives scratchdl's outputs."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from export_helpers import export_and_compare, randomize_batch_norm

from scratchdl.models import MODELS, build

SHAPES = [(1, 8, 8), (1, 28, 28)]
VARIANTS = {  # the zoo's defaults, plus the options that add layers (batch norm, dropout, GELU)
    "mlp": {},
    "mlp_bn_dropout_gelu": {"hidden": (32, 16), "batchnorm": True, "dropout": 0.3, "activation": "gelu"},
    "simple_cnn": {},
    "vgg": {},
    "vgg_bn_dropout": {"batchnorm": True, "dropout": 0.5},
    "resnet": {},
    "resnet_two_blocks": {"stem_channels": 8, "stages": (8, 16), "blocks_per_stage": 2},
    "alexnet": {},
}


def make(variant: str, shape, dtype=None):
    name = variant.split("_bn")[0].split("_two")[0]
    model = build(name, shape, 10, rng=np.random.default_rng(0), dtype=dtype, **VARIANTS[variant])
    return randomize_batch_norm(model)


def test_every_zoo_model_is_covered():
    assert {v.split("_bn")[0].split("_two")[0] for v in VARIANTS} == set(MODELS)


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("variant", VARIANTS)
def test_zoo_model_round_trip(variant, shape, tmp_path):
    model = make(variant, shape)
    model.train()  # export is eval mode whatever the model's mode; the comparison runs model.eval()
    proto = export_and_compare(model, shape, tmp_path / "m.onnx")
    names = {t.name for t in proto.graph.initializer}
    assert {k for k, v in model.state_dict().items() if k.endswith(("weight", "bias"))} <= names
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "batch" and [d.dim_value for d in dims[1:]] == list(shape)


FLOAT64_CASES = {  # variant -> (options changed, layers ONNX Runtime computes in float32, tolerance)
    "mlp_bn_dropout_gelu": ({"activation": "relu"}, [], 1e-12),
    "mlp_bn_dropout_gelu ": ({}, ["layers.2 (Erf)"], 1e-5),
    "vgg_bn_dropout": ({}, ["features.0 (Conv)", "features.3 (Conv)", "features.10 (Conv)"], 1e-5),
    "resnet": ({}, ["features.0 (Conv)", "features.3.conv1 (Conv)"], 1e-5),
}


@pytest.mark.parametrize("case", FLOAT64_CASES)
def test_float64_model_exports_in_float64(case, tmp_path):
    from onnx import TensorProto

    from scratchdl.export import ExportPrecisionWarning

    changes, cast, tol = FLOAT64_CASES[case]
    variant = case.strip()
    name = variant.split("_bn")[0]
    model = randomize_batch_norm(build(name, (1, 8, 8), 10, rng=np.random.default_rng(0), dtype=np.float64,
                                       **{**VARIANTS[variant], **changes}))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        proto = export_and_compare(model, (1, 8, 8), tmp_path / "m.onnx", dtype=np.float64, tol=tol)
    notes = [str(w.message) for w in caught if issubclass(w.category, ExportPrecisionWarning)]
    if cast:
        assert len(notes) == 1 and all(layer in notes[0] for layer in cast), notes
    else:
        assert notes == []
    assert proto.graph.input[0].type.tensor_type.elem_type == TensorProto.DOUBLE
    assert proto.graph.output[0].type.tensor_type.elem_type == TensorProto.DOUBLE
    in_float32 = tuple(f"{path}." for path in re.findall(r"([\w.]+) \(Conv\)", "".join(notes)))
    floats = {i.name: i.data_type for i in proto.graph.initializer
              if i.data_type in (TensorProto.FLOAT, TensorProto.DOUBLE) and "." in i.name}
    assert floats
    for name, elem in floats.items():  # state_dict tensors: float32 only for the cast convolutions
        assert elem == (TensorProto.FLOAT if name.startswith(in_float32) else TensorProto.DOUBLE), name
