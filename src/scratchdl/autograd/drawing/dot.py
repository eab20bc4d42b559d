"""A graph as DOT text for Graphviz: deterministic (node ids from the walk, nodes and edges in its
order), left to right, every variable once, labels escaped."""

from __future__ import annotations

from .svg import FILL
from .walk import Graph


def quote(text: str) -> str:
    """``text`` as a DOT string: backslashes and quotes escaped, newlines as ``\\n``."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def render(graph: Graph) -> str:
    lines = ["digraph autograd {", "  rankdir=LR;",
             '  node [fontname="Helvetica", fontsize=11, style=filled];', '  edge [color="#555555"];']
    for node in graph.nodes:
        shape = "box, style=\"rounded,filled\"" if node.kind == "variable" else "box"
        penwidth = ", penwidth=2" if node.role == "output" else ""
        lines.append(f"  {node.id} [label={quote(chr(10).join(node.lines()))}, shape={shape}, "
                     f"fillcolor={quote(FILL.get(node.role, '#fde3c2'))}{penwidth}];")
    lines += [f"  {a} -> {b};" for a, b in graph.edges]
    lines.append("}")
    return "\n".join(lines) + "\n"
