"""Drawing the graph: DOT text and our own SVG, deterministic, each variable once, labels escaped;
PNG and PDF through Graphviz only when it is installed, else one clear error."""

import os
import stat
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from scratchdl.autograd import Tensor, draw, to_dot
from scratchdl.autograd import functional as F
from scratchdl.autograd.drawing import build, collapse, graph_of, layout
from scratchdl.autograd.mode import scope
from scratchdl.errors import ConfigError, DependencyError

SVG = "{http://www.w3.org/2000/svg}"


def apples():
    apple = Tensor(np.float64(100), requires_grad=True, name="apple")
    count = Tensor(np.float64(2), requires_grad=True, name="count")
    tax = Tensor(np.float64(1.1), requires_grad=True, name="tax")
    subtotal = (apple * count).retain_grad()
    subtotal.name = "apple price"
    price = subtotal * tax
    price.name = "price"
    price.backward()
    return price, (apple, count, tax, subtotal)


def test_dot_shows_values_and_gradients_on_the_nodes():
    price, keep = apples()
    text = to_dot(price)
    assert text.startswith("digraph autograd {\n  rankdir=LR;")
    for label in ('"apple\\n100\\ngrad 2.2"', '"count\\n2\\ngrad 110"', '"tax\\n1.1\\ngrad 200"',
                  '"apple price\\n200\\ngrad 1.1"', '"price\\n220"'):
        assert label in text, label
    assert text.count("[label=\"Mul\"") == 2
    assert "grad 2.2" not in to_dot(price, grads=False) and "220" not in to_dot(price, values=False)


def test_the_same_graph_gives_the_same_text_and_a_shared_variable_appears_once():
    x = Tensor(np.float64(2.0), requires_grad=True, name="x")
    y = x * x + x                                     # x used three times
    assert to_dot(y) == to_dot(y)
    graph = build(y)
    assert [n.title for n in graph.nodes if n.kind == "variable"].count("x") == 1
    assert sum(1 for a, b in graph.edges if a == next(n.id for n in graph.nodes if n.title == "x")) == 2


def test_labels_are_escaped():
    x = Tensor(np.float64(1.0), requires_grad=True, name='say "hi" <&> \\ now')
    y = x * 2
    assert 'say \\"hi\\" <&> \\\\ now' in to_dot(y)
    svg = draw(y).svg
    assert "say &quot;hi&quot; &lt;&amp;&gt;" in svg or "say \"hi\" &lt;&amp;&gt;" in svg
    ET.fromstring(svg)                                # well-formed XML


def test_svg_is_valid_and_laid_out_left_to_right_by_generation(tmp_path):
    price, keep = apples()
    drawing = draw(price, tmp_path / "apples.svg")
    root = ET.parse(tmp_path / "apples.svg").getroot()
    assert root.tag == f"{SVG}svg" and drawing._repr_svg_() == (tmp_path / "apples.svg").read_text()
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"apple", "100", "grad 2.2", "price", "220", "Mul"} <= set(texts)
    lay = layout(drawing.graph)
    x_of = {n.title or n.id: lay.boxes[n.id].x for n in drawing.graph.nodes}
    assert x_of["apple"] < x_of["apple price"] < x_of["price"]
    assert x_of["tax"] > x_of["apple"]               # a leaf sits next to its consumer


def test_dot_and_svg_files_and_bad_suffixes(tmp_path):
    price, keep = apples()
    draw(price, tmp_path / "g.dot")
    assert (tmp_path / "g.dot").read_text() == to_dot(price)
    with pytest.raises(ConfigError, match=r"must end in \.svg, \.dot, \.png, \.pdf"):
        draw(price, tmp_path / "g.jpg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.dot"]


def test_png_without_graphviz_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))        # no dot anywhere
    price, keep = apples()
    with pytest.raises(DependencyError, match=r"needs Graphviz's dot program, which is not installed; "
                                              r"install Graphviz \(apt install graphviz.*write g.svg"):
        draw(price, tmp_path / "g.png")
    assert not (tmp_path / "g.png").exists()


def test_png_goes_through_dot_when_it_is_installed(tmp_path, monkeypatch):
    fake = tmp_path / "bin" / "dot"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\n# a stand-in for Graphviz: records its input, writes a file\n"
                    f"cat > {tmp_path}/input.dot\nfor a; do out=$a; done\necho PNG > \"$out\"\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    price, keep = apples()
    draw(price, tmp_path / "g.png")
    assert (tmp_path / "g.png").read_text() == "PNG\n"
    assert (tmp_path / "input.dot").read_text() == to_dot(price)


def test_a_large_graph_collapses_into_its_layers():
    x = Tensor(np.ones((1, 4)), name="x")
    h = x
    weights = []
    for i in range(40):
        w = Tensor(np.eye(4), requires_grad=True, name=f"layers.{i}.weight")
        weights.append(w)
        with scope(f"layers.{i}", "Block"):
            h = F.tanh(h @ w) * 1.0 + 0.0
    loss = h.sum()
    full = graph_of(loss, max_nodes=None)
    small = graph_of(loss, max_nodes=100)
    assert len(full.nodes) > 300 and len(small.nodes) < 100
    layers = [n for n in small.nodes if n.kind == "layer"]
    first = next(n for n in layers if n.title == "layers.0 Block")
    assert len(layers) == 40 and first.lines() == ["layers.0 Block", "layers.0.weight (4, 4)"]
    assert collapse(full).nodes == small.nodes
    ET.fromstring(draw(loss).svg)


def test_a_graph_whose_tensors_were_dropped_still_draws_with_shapes():
    def make():
        x = Tensor(np.ones((2, 3)), requires_grad=True)
        return (x.exp() * 2).sum()

    y = make()
    graph = build(y)
    assert any(n.shape == (2, 3) and n.value is None for n in graph.nodes if n.kind == "variable")
