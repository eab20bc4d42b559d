"""Drawing a computational graph: DOT text, and an SVG laid out here, with no program to install.

``to_dot(y)`` is the DOT text of the graph behind ``y`` (for Graphviz, or any tool that reads
DOT). ``draw(y, "graph.svg")`` lays the graph out itself (``layout``: columns by generation) and
writes SVG; ``.png`` and ``.pdf`` go through Graphviz's ``dot`` program when it is installed, and
are otherwise one clear error that says what to install and that ``.svg`` needs nothing. In
Jupyter, ``draw(y)`` shows the graph (as SVG). A graph of more than ``max_nodes`` boxes is drawn
with one box per layer (``walk.collapse``) when its operations were recorded inside layers.

Only Tensors and Functions are read, through their generic attributes: these modules know nothing
of any particular operation.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ...atomic import write_atomic, write_text_atomic
from ...errors import ConfigError, DependencyError
from . import dot, svg
from .layout import layout
from .walk import Graph, build, collapse

MAX_NODES = 300
FORMATS = (".svg", ".dot", ".png", ".pdf")


def graph_of(outputs, values: bool = True, grads: bool = True, max_nodes: int | None = MAX_NODES) -> Graph:
    """The drawable graph of ``outputs``, one box per layer when it has more than ``max_nodes`` boxes."""
    graph = build(outputs, values, grads)
    if max_nodes is not None and len(graph.nodes) > max_nodes and any(n.group for n in graph.nodes):
        graph = collapse(graph)
    return graph


def to_dot(outputs, values: bool = True, grads: bool = True, max_nodes: int | None = MAX_NODES) -> str:
    """The DOT text of the graph behind ``outputs`` (a Tensor or a list of Tensors): variables with
    their names, shapes, values (``values``) and gradients (``grads``), functions by name."""
    return dot.render(graph_of(outputs, values, grads, max_nodes))


class Drawing:
    """A drawn computational graph: its SVG text, shown as a picture in Jupyter."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.svg = svg.render(layout(graph))

    def _repr_svg_(self) -> str:
        return self.svg

    def save(self, path) -> Path:
        """Write the drawing to ``path``: ``.svg`` and ``.dot`` here, ``.png`` and ``.pdf`` by Graphviz."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".svg":
            return write_text_atomic(path, self.svg)
        if suffix == ".dot":
            return write_text_atomic(path, dot.render(self.graph))
        if suffix in (".png", ".pdf"):
            return _graphviz(dot.render(self.graph), path, suffix[1:])
        raise ConfigError(f"draw: cannot write {path.name!r}: the file name must end in "
                          f"{', '.join(FORMATS)}")

    def __repr__(self) -> str:
        return f"<Drawing of {len(self.graph.nodes)} nodes, {len(self.graph.edges)} edges>"


def draw(outputs, path=None, values: bool = True, grads: bool = True,
         max_nodes: int | None = MAX_NODES) -> Drawing:
    """Draw the graph behind ``outputs``; write it to ``path`` (``.svg``, ``.dot``, ``.png``, ``.pdf``)
    when given. Returns the ``Drawing`` (which Jupyter shows)."""
    if path is not None and Path(path).suffix.lower() not in FORMATS:
        raise ConfigError(f"draw: cannot write {Path(path).name!r}: the file name must end in "
                          f"{', '.join(FORMATS)}")
    drawing = Drawing(graph_of(outputs, values, grads, max_nodes))
    if path is not None:
        drawing.save(path)
    return drawing


def _graphviz(text: str, path: Path, fmt: str) -> Path:
    program = shutil.which("dot")
    if program is None:
        raise DependencyError(
            f"draw: a .{fmt} file needs Graphviz's dot program, which is not installed; install Graphviz "
            f"(apt install graphviz, brew install graphviz or conda install graphviz), or write "
            f"{path.with_suffix('.svg').name} instead: SVG is drawn by scratchdl itself")

    def run(tmp):
        done = subprocess.run([program, f"-T{fmt}", "-o", str(tmp)], input=text.encode("utf-8"),
                              capture_output=True, check=False)
        if done.returncode != 0:
            message = done.stderr.decode(errors="replace").strip()
            raise DependencyError(f"draw: Graphviz's dot failed ({message})")

    return write_atomic(path, run)


__all__ = ["Drawing", "Graph", "MAX_NODES", "build", "collapse", "draw", "graph_of", "layout", "to_dot"]
