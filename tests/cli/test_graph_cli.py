"""``scratchdl graph MODEL_OR_RUN --out FILE``: a model's forward and backward graph, drawn without
Graphviz; every mistake one line and exit status 2."""

import xml.etree.ElementTree as ET

import pytest

from scratchdl import checkpoint, models

SVG = "{http://www.w3.org/2000/svg}"


def texts(path):
    return [t.text for t in ET.parse(path).getroot().iter(f"{SVG}text")]


@pytest.fixture
def no_graphviz(tmp_path, monkeypatch):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def test_simple_cnn_writes_a_valid_svg_without_graphviz(cli, tmp_path, no_graphviz):
    status, out, err = cli("graph", "simple_cnn", "--out", tmp_path / "g.svg")
    assert (status, err) == (0, "")
    assert out.startswith(f"wrote {tmp_path / 'g.svg'}: simple_cnn, input (1, 1, 28, 28), forward and "
                          f"backward")
    shown = texts(tmp_path / "g.svg")
    for needed in ("x (1, 1, 28, 28)", "features.0.weight (30, 1, 5, 5)", "Conv2d", "MaxPool2d", "Linear",
                   "CrossEntropy", "Conv2dGrad", "MaxPoolGrad", "grad features.0.weight (30, 1, 5, 5)",
                   "grad classifier.2.bias (10,)", "loss"):
        assert needed in shown, needed


def test_a_large_model_is_drawn_one_box_per_layer(cli, tmp_path):
    status, out, _ = cli("graph", "resnet", "--out", tmp_path / "r.svg", "--input-shape", "1,8,8")
    assert status == 0 and "one box per layer" in out
    shown = texts(tmp_path / "r.svg")
    assert "features.3.conv1 Conv2d" in shown and "features.3.conv1 Conv2d backward" in shown
    assert len([t for t in shown if t]) < 1000


def test_a_trained_run_and_the_dot_text(cli, tmp_path):
    model = models.build("mlp", (1, 8, 8), 10, hidden=(16,))
    meta = {"model": {"name": "mlp", "config": model.config}, "dtype": "float32",
            "dataset": {"name": "digits", "input_shape": [1, 8, 8], "num_classes": 10}}
    checkpoint.save(tmp_path / "run", model, meta=meta)
    status, out, _ = cli("graph", tmp_path / "run", "--out", tmp_path / "g.dot")
    assert status == 0 and "mlp, input (1, 1, 8, 8)" in out
    text = (tmp_path / "g.dot").read_text()
    assert text.startswith("digraph autograd {") and '"layers.0.weight (64, 16)' in text


@pytest.mark.parametrize(("args", "message"), [
    (["nope"], "MODEL_OR_RUN nope: neither a zoo model (valid: alexnet, mlp, resnet, simple_cnn, vgg) nor an "
               "existing run folder"),
    (["simple_cnn", "--out", "{tmp}/g.png"], "needs Graphviz's dot program, which is not installed"),
    (["simple_cnn", "--out", "{tmp}/g.jpg"],
     "--out {tmp}/g.jpg: the file name must end in .svg, .dot, .png, .pdf"),
    (["simple_cnn", "--out", "{tmp}"], "is a folder; give a file name such as {tmp}/graph.svg"),
    (["simple_cnn", "--input-shape", "1,28", "--out", "{tmp}/g.svg"], "--input-shape: expected C,H,W"),
    (["{tmp}", "--out", "{tmp}/g.svg"], "not a scratchdl checkpoint"),
])
def test_mistakes_are_one_line_and_exit_2(cli, tmp_path, no_graphviz, args, message):
    status, out, err = cli("graph", *[a.format(tmp=tmp_path) for a in args])
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("scratchdl graph: error: ")
    assert message.format(tmp=tmp_path) in err
    assert not [p for p in tmp_path.iterdir() if p.suffix in (".png", ".svg", ".jpg")]


def _labels(dot_text):
    import re

    return re.findall(r'^\s+\w+ \[label="([^"]*)"', dot_text, flags=re.M)


def test_the_graph_names_its_input_label_loss_and_every_gradient_and_shows_no_values(cli, tmp_path):
    status, out, _ = cli("graph", "simple_cnn", "--input-shape", "1,8,8", "--out", tmp_path / "g.dot")
    labels = _labels((tmp_path / "g.dot").read_text())
    assert status == 0 and out == (f"wrote {tmp_path / 'g.dot'}: simple_cnn, input (1, 1, 8, 8), forward and "
                                   f"backward graph at batch 1, {len(labels)} boxes\n")
    assert {"x (1, 1, 8, 8)", "t (1,)", "loss"} <= set(labels)
    params = {"features.0.weight (30, 1, 5, 5)", "features.0.bias (30,)", "classifier.2.bias (10,)"}
    assert params <= set(labels) and {f"grad {p}" for p in params} <= set(labels)
    # shapes only: no value or gradient numbers in any box
    assert not [label for label in labels if "=" in label or "\\n" in label]


def test_one_box_per_layer_counts_its_boxes(cli, tmp_path):
    status, out, _ = cli("graph", "vgg", "--input-shape", "1,8,8", "--max-nodes", "50",
                         "--out", tmp_path / "v.dot")
    labels = _labels((tmp_path / "v.dot").read_text())
    assert status == 0 and out.rstrip("\n").endswith(f"one box per layer ({len(labels)} boxes)")


def test_a_run_that_records_its_shape_only_in_its_model_config(cli, tmp_path):
    model = models.build("resnet", (1, 8, 8), 10)  # global average pooling: any image size fits
    checkpoint.save(tmp_path / "run", model, meta={"model": {"name": "resnet", "config": model.config},
                                                  "dtype": "float32"})
    status, out, _ = cli("graph", tmp_path / "run", "--out", tmp_path / "g.svg")
    assert status == 0 and "resnet, input (1, 1, 8, 8)" in out
    status, out, _ = cli("graph", tmp_path / "run", "--input-shape", "1,12,12", "--out", tmp_path / "g.svg")
    assert status == 0 and "input (1, 1, 12, 12)" in out
