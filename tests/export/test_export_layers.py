"""Sequentials of each layer export to ONNX and run in ONNX Runtime with scratchdl's eval-mode outputs;
names follow the state_dict; layers with no ONNX form, bad opsets and bad shapes raise ExportError."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from export_helpers import export_and_compare, randomize_batch_norm, session

from scratchdl import nn
from scratchdl.errors import ExportError, ScratchDLError, ShapeError
from scratchdl.export import EXPORTERS, register, to_onnx


def rng():
    return np.random.default_rng(0)


# name -> (model factory, input shape without the batch axis)
CASES = {
    "linear": (lambda: nn.Sequential(nn.Linear(5, 4, rng=rng())), (5,)),
    "linear_no_bias_3d": (lambda: nn.Sequential(nn.Linear(5, 4, bias=False, rng=rng())), (3, 5)),
    "conv": (lambda: nn.Sequential(nn.Conv2d(2, 3, 3, rng=rng())), (2, 7, 7)),
    "conv_stride_pad_no_bias": (
        lambda: nn.Sequential(nn.Conv2d(2, 4, (3, 2), stride=(2, 1), padding=(1, 2), bias=False, rng=rng())),
        (2, 9, 8)),
    "max_pool": (lambda: nn.Sequential(nn.MaxPool2d(2)), (3, 7, 6)),
    "max_pool_pad_stride": (lambda: nn.Sequential(nn.MaxPool2d(3, 2, 1)), (2, 7, 8)),
    "avg_pool": (lambda: nn.Sequential(nn.AvgPool2d(2)), (3, 6, 6)),
    "avg_pool_pad_counts_zeros": (lambda: nn.Sequential(nn.AvgPool2d(3, 2, 1)), (2, 7, 8)),
    "global_avg_pool": (lambda: nn.Sequential(nn.GlobalAvgPool2d()), (3, 5, 4)),
    "batch_norm_1d": (lambda: nn.Sequential(nn.BatchNorm1d(6)), (6,)),
    "batch_norm_1d_nl": (lambda: nn.Sequential(nn.BatchNorm1d(4)), (4, 5)),
    "batch_norm_2d": (lambda: nn.Sequential(nn.BatchNorm2d(3)), (3, 4, 4)),
    "batch_norm_no_affine": (lambda: nn.Sequential(nn.BatchNorm2d(3, affine=False, eps=1e-3)), (3, 4, 4)),
    "relu": (lambda: nn.Sequential(nn.ReLU()), (10,)),
    "leaky_relu": (lambda: nn.Sequential(nn.LeakyReLU(0.2)), (10,)),
    "sigmoid": (lambda: nn.Sequential(nn.Sigmoid()), (10,)),
    "tanh": (lambda: nn.Sequential(nn.Tanh()), (10,)),
    "gelu": (lambda: nn.Sequential(nn.GELU()), (10,)),
    "gelu_tanh": (lambda: nn.Sequential(nn.GELU(approximate="tanh")), (10,)),
    "softmax": (lambda: nn.Sequential(nn.Softmax()), (10,)),
    "softmax_dim1": (lambda: nn.Sequential(nn.Softmax(dim=1)), (4, 3)),
    "flatten": (lambda: nn.Sequential(nn.Flatten()), (2, 3, 4)),
    "identity": (lambda: nn.Sequential(nn.Identity()), (6,)),
    "dropout": (lambda: nn.Sequential(nn.Dropout(0.5), nn.Linear(6, 2, rng=rng())), (6,)),
    "dropout2d": (lambda: nn.Sequential(nn.Dropout2d(0.5)), (3, 4, 4)),
    "residual_identity": (lambda: nn.Sequential(nn.Residual(4, 4, rng=rng())), (4, 6, 6)),
    "residual_projection": (lambda: nn.Sequential(nn.Residual(3, 5, stride=2, rng=rng())), (3, 7, 7)),
    "nested": (lambda: nn.Sequential(nn.Sequential(nn.Linear(4, 8, rng=rng()), nn.Sequential(nn.ReLU())),
                                     nn.Linear(8, 3, rng=rng())), (4,)),
    "empty_sequential": (lambda: nn.Sequential(), (3,)),
    "bare_layer": (lambda: nn.Conv2d(1, 2, 3, padding=1, rng=rng()), (1, 5, 5)),
}


@pytest.mark.parametrize("case", CASES)
def test_layer_round_trip(case, tmp_path):
    factory, shape = CASES[case]
    model = randomize_batch_norm(factory()).train()   # exported as in eval mode regardless
    export_and_compare(model, shape, tmp_path / f"{case}.onnx")


def test_every_layer_class_has_a_case():
    exported = {type(m) for factory, _ in CASES.values() for m in factory().modules()}
    layers = {getattr(nn, name) for name in nn.__all__ if isinstance(getattr(nn, name), type)}
    layers = {c for c in layers if issubclass(c, nn.Module) and not issubclass(c, nn.Loss)} - {nn.Module}
    layers -= {nn.ModuleList}     # a container a Module of one's own iterates in its forward, not a layer
    assert layers <= exported, sorted(c.__name__ for c in layers - exported)


@pytest.mark.parametrize("opset", [13, 17, 18, 20])
def test_opsets(opset, tmp_path):
    model = nn.Sequential(nn.Conv2d(1, 2, 3, rng=rng()), nn.GELU(), nn.GlobalAvgPool2d(), nn.Softmax())
    proto = export_and_compare(model, (1, 5, 5), tmp_path / "m.onnx", opset=opset)
    assert proto.opset_import[0].version == opset


def test_names_follow_the_state_dict_and_linear_keeps_in_out(tmp_path):
    model = nn.Sequential(nn.Linear(4, 3, rng=rng()), nn.BatchNorm1d(3), nn.ReLU(),
                          nn.Linear(3, 2, rng=rng()))
    to_onnx(model, tmp_path / "m.onnx", (4,))
    proto = onnx.load(str(tmp_path / "m.onnx"))
    weights = {t.name: onnx.numpy_helper.to_array(t) for t in proto.graph.initializer}
    state = {k: v for k, v in model.state_dict().items() if k != "1.num_batches_tracked"}
    assert set(state) <= set(weights)
    for key, value in state.items():
        np.testing.assert_array_equal(weights[key], value)
    assert weights["0.weight"].shape == (4, 3)       # (in, out): fed to MatMul untransposed
    assert [n.name for n in proto.graph.node][:3] == ["0/MatMul", "0", "1"]
    assert [i.name for i in proto.graph.input] == ["input"]
    assert [o.name for o in proto.graph.output] == ["output"]


def test_one_file_runs_any_batch_size(tmp_path):
    model = nn.Sequential(nn.Linear(3, 2, rng=rng()))
    to_onnx(model, tmp_path / "m.onnx", (3,))
    run = session(tmp_path / "m.onnx")
    for n in (1, 2, 50):
        x = np.ones((n, 3), dtype=np.float32)
        np.testing.assert_allclose(run.run(None, {"input": x})[0], model(x), rtol=1e-6)


# ---- bad input ---------------------------------------------------------------------------
class Doubler(nn.Module):
    def forward(self, x):
        return 2 * x


class MyReLU(nn.ReLU):
    def forward(self, x):
        return super().forward(x) + 1


class QuietReLU(nn.ReLU):
    """A subclass that keeps ReLU's forward exports as ReLU."""


def test_own_module_names_class_and_path(tmp_path):
    model = nn.Sequential(nn.Linear(3, 3), nn.Sequential(nn.ReLU(), nn.Identity(), Doubler()))
    with pytest.raises(ExportError, match=r"Doubler at '1\.2'") as info:
        to_onnx(model, tmp_path / "m.onnx", (3,))
    assert isinstance(info.value, ScratchDLError)
    assert not list(tmp_path.iterdir())  # nothing written, not even a temporary file


def test_subclass_with_own_forward_is_refused_but_plain_subclass_exports(tmp_path):
    with pytest.raises(ExportError, match=r"MyReLU at '0'"):
        to_onnx(nn.Sequential(MyReLU()), tmp_path / "m.onnx", (3,))
    with pytest.raises(ExportError, match=r"Doubler \(the model itself\)"):
        to_onnx(Doubler(), tmp_path / "m.onnx", (3,))
    export_and_compare(nn.Sequential(QuietReLU()), (3,), tmp_path / "q.onnx")


def test_register_gives_an_own_layer_its_onnx_form(tmp_path):
    try:
        @register(Doubler)
        def doubler(builder, layer, x, path):
            return builder.node("Add", [x, x], path or "Doubler")

        export_and_compare(nn.Sequential(nn.Linear(3, 4, rng=rng()), Doubler()), (3,), tmp_path / "m.onnx")
    finally:
        EXPORTERS.pop(Doubler, None)


@pytest.mark.parametrize("opset", [12, 0, 10_000, "17"])
def test_bad_opset(opset, tmp_path):
    with pytest.raises(ExportError, match="opset"):
        to_onnx(nn.Sequential(nn.ReLU()), tmp_path / "m.onnx", (3,), opset=opset)


@pytest.mark.parametrize("shape", [(), (0, 3), "abc", None])
def test_bad_input_shape(shape, tmp_path):
    with pytest.raises(ExportError, match="input_shape"):
        to_onnx(nn.Sequential(nn.ReLU()), tmp_path / "m.onnx", shape)


def test_input_shape_that_does_not_fit_is_scratchdls_error(tmp_path):
    with pytest.raises(ShapeError, match=r"Linear\(3, 2\)"):
        to_onnx(nn.Sequential(nn.Linear(3, 2)), tmp_path / "m.onnx", (4,))
    assert not list(tmp_path.iterdir())


def test_mixed_dtypes_refused(tmp_path):
    model = nn.Sequential(nn.Linear(3, 2, dtype=np.float64), nn.Linear(2, 2, dtype=np.float32))
    with pytest.raises(ExportError, match="mixes"):
        to_onnx(model, tmp_path / "m.onnx", (3,))


def test_write_is_atomic(tmp_path, monkeypatch):
    target = tmp_path / "m.onnx"
    target.write_bytes(b"old")

    def fail_midway(proto, path):
        with open(path, "wb") as f:
            f.write(proto.SerializeToString()[:10])
        raise OSError("disk full")

    monkeypatch.setattr(onnx, "save_model", fail_midway)
    with pytest.raises(OSError, match="disk full"):
        to_onnx(nn.Sequential(nn.Linear(3, 2)), target, (3,))
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["m.onnx"]


def every_layer():
    return nn.Sequential(
        nn.Conv2d(1, 2, 3, padding=1, rng=rng()), nn.BatchNorm2d(2), nn.LeakyReLU(0.1),
        nn.Residual(2, 3, stride=2, rng=rng()), nn.AvgPool2d(2), nn.BatchNorm2d(3, affine=False),
        nn.GlobalAvgPool2d(), nn.Linear(3, 4, rng=rng()), nn.GELU(), nn.Linear(4, 4, bias=False, rng=rng()),
        nn.GELU(approximate="tanh"), nn.Softmax())


def test_what_netron_shows_names_each_node_by_its_layer(tmp_path):
    """What a learner reads in Netron: each layer's output named by its path in the model tree, the
    nodes inside a layer ``<path>/<step>``, weights by their state_dict names, the model described."""
    to_onnx(every_layer(), tmp_path / "m.onnx", (1, 8, 8))
    proto = onnx.load(str(tmp_path / "m.onnx"))
    assert [n.name for n in proto.graph.node] == [
        "0", "1", "2", "3.conv1", "3.bn1", "3.relu1", "3.conv2", "3.bn2", "3.shortcut.0", "3.shortcut.1",
        "3/Add", "3.relu2", "4", "5", "6", "7/MatMul", "7", "8/Div", "8/Erf", "8/AddOne", "8/Half", "8", "9",
        "10/Square", "10/Cube", "10/MulK", "10/Inner", "10/MulC", "10/Tanh", "10/AddOne", "10/Half", "10",
        "11"]
    assert proto.graph.node[-1].output[0] == "output"
    assert [t.name for t in proto.graph.initializer] == [
        "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "3.conv1.weight",
        "3.bn1.weight", "3.bn1.bias", "3.bn1.running_mean", "3.bn1.running_var", "3.conv2.weight",
        "3.bn2.weight", "3.bn2.bias", "3.bn2.running_mean", "3.bn2.running_var", "3.shortcut.0.weight",
        "3.shortcut.1.weight", "3.shortcut.1.bias", "3.shortcut.1.running_mean", "3.shortcut.1.running_var",
        "5/ones", "5/zeros", "5.running_mean", "5.running_var", "7.weight", "7.bias", "8/sqrt2", "8/one",
        "8/half", "9.weight", "10/k", "10/c", "10/one", "10/half"]
    assert proto.doc_string == "Sequential exported by scratchdl (eval mode), input (batch, 1, 8, 8)"
    assert proto.producer_name == "scratchdl"


def test_a_bare_layer_names_its_nodes_by_its_class(tmp_path):
    to_onnx(nn.GELU(), tmp_path / "m.onnx", (3,))
    nodes = [n.name for n in onnx.load(str(tmp_path / "m.onnx")).graph.node]
    assert nodes == ["GELU/Div", "GELU/Erf", "GELU/AddOne", "GELU/Half", "GELU"]
    to_onnx(nn.Tanh(), tmp_path / "t.onnx", (3,))  # a one-node layer too
    assert [n.name for n in onnx.load(str(tmp_path / "t.onnx")).graph.node] == ["Tanh"]


def test_a_float64_graph_names_its_casts_and_float64_steps_by_their_layer(tmp_path):
    with pytest.warns(UserWarning):
        to_onnx(every_layer().to(np.float64), tmp_path / "m.onnx", (1, 8, 8), opset=18)
    proto = onnx.load(str(tmp_path / "m.onnx"))
    assert [n.name for n in proto.graph.node] == [
        "0/Cast", "0/Conv", "0", "1/var_eps", "1", "2/Less", "2/Mul", "2", "3.conv1/Cast", "3.conv1/Conv",
        "3.conv1", "3.bn1/var_eps", "3.bn1", "3.relu1", "3.conv2/Cast", "3.conv2/Conv", "3.conv2",
        "3.bn2/var_eps", "3.bn2", "3.shortcut.0/Cast", "3.shortcut.0/Conv", "3.shortcut.0",
        "3.shortcut.1/var_eps", "3.shortcut.1", "3/Add", "3.relu2", "4/Cast", "4/AveragePool", "4",
        "5/var_eps", "5", "6", "7/MatMul", "7", "8/Div", "8/Cast", "8/Erf", "8/Erf_back", "8/AddOne",
        "8/Half", "8", "9", "10/Square", "10/Cube", "10/MulK", "10/Inner", "10/MulC", "10/Tanh", "10/AddOne",
        "10/Half", "10", "11"]
    constants = [t.name for t in proto.graph.initializer]
    assert {"1/eps", "2/zero", "2/negative_slope", "3.bn1/eps", "5/eps", "6/axes"} <= set(constants)


def test_a_zoo_model_inside_a_model_names_its_nodes_by_the_whole_path(tmp_path):
    """An MLP used as a part of a larger model: its nodes carry the path from the outer model, as its
    weights do in the state_dict, so two such parts never share a node name."""
    from scratchdl.models import MLP
    model = nn.Sequential(MLP([4, 3, 2], rng=rng()), MLP([2, 2], rng=rng()))
    to_onnx(model, tmp_path / "m.onnx", (4,))
    proto = onnx.load(str(tmp_path / "m.onnx"))
    names = [n.name for n in proto.graph.node]
    assert "0.layers.0" in names and "1.layers.0" in names and len(set(names)) == len(names)
    assert {t.name for t in proto.graph.initializer} >= set(model.state_dict())


def test_input_and_output_share_the_batch_axis_by_name(tmp_path):
    """ONNX Runtime and Netron read one symbolic batch size for both ends, so any batch runs."""
    proto = onnx.load(str(to_onnx(nn.Sequential(nn.Linear(3, 2, rng=rng())), tmp_path / "m.onnx", (3,))))
    ends = [proto.graph.input[0], proto.graph.output[0]]
    assert [[d.dim_param or d.dim_value for d in e.type.tensor_type.shape.dim] for e in ends] == [
        ["batch", 3], ["batch", 2]]
