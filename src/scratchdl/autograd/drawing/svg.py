"""A laid-out graph as SVG text: rounded boxes for variables (orange; green for parameters, grey
for constants), square boxes for functions (blue; red for the backward pass), arrows for the data
flow, each box with a tooltip. Every text is XML-escaped; the output depends on the graph only."""

from __future__ import annotations

from xml.sax.saxutils import escape

from .layout import LINE_H, PAD_Y, Layout

FILL = {"output": "#f9c98b", "intermediate": "#fde3c2", "input": "#fde3c2", "parameter": "#d5ecd4",
        "constant": "#e8e8e8", "function": "#d6e4f5", "backward": "#f6d5d5", "layer": "#d6e4f5"}
STROKE = {"output": "#b36b00", "function": "#3b6ea5", "backward": "#a33b3b", "layer": "#3b6ea5"}
FONT = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace"


def _attr(text: str) -> str:
    return escape(str(text), {'"': "&quot;"})


def render(lay: Layout) -> str:
    """The SVG document of ``lay``."""
    w, h = round(lay.width, 1), round(lay.height, 1)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
           f'font-family="{_attr(FONT)}" font-size="12">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>',
           f'<rect width="{w}" height="{h}" fill="white"/>', '<g class="edges">']
    for a, b in lay.graph.edges:
        x1, y1, x2, y2 = lay.edge_points(a, b)
        mid = (x1 + x2) / 2
        out.append(f'<path d="M{x1:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} {x2:.1f},{y2:.1f}" '
                   f'fill="none" stroke="#555" stroke-width="1.2" marker-end="url(#arrow)"/>')
    out.append('</g><g class="nodes">')
    for node in lay.graph.nodes:
        box = lay.boxes[node.id]
        lines = node.lines()
        fill = FILL.get(node.role, "#fde3c2")
        stroke = STROKE.get(node.role, "#8a6d3b" if node.kind == "variable" else "#3b6ea5")
        radius = 12 if node.kind == "variable" else 3
        width = 2 if node.role == "output" else 1.2
        out.append(f'<g class="{node.kind}" id="{_attr(node.id)}"><title>{escape(" | ".join(lines))}</title>')
        out.append(f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.w:.1f}" height="{box.h:.1f}" '
                   f'rx="{radius}" fill="{fill}" stroke="{stroke}" stroke-width="{width}"/>')
        for i, line in enumerate(lines):
            y = box.y + PAD_Y + (i + 0.75) * LINE_H
            weight = ' font-weight="bold"' if i == 0 and node.kind != "variable" else ""
            out.append(f'<text x="{box.x + box.w / 2:.1f}" y="{y:.1f}" text-anchor="middle"{weight}>'
                       f"{escape(line)}</text>")
        out.append("</g>")
    out.append("</g></svg>")
    return "\n".join(out) + "\n"
