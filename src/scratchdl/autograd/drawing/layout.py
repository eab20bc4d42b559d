"""A layered layout of a graph, left to right, computed here (no Graphviz needed).

1. **Columns by generation.** A node's column is one more than the largest column of the nodes it
   takes input from (the longest path from the leaves: a function's generation, counted in boxes);
   then each node moves right until it sits just left of its first consumer, so a leaf, or a step
   of the backward pass that needs only leaves, is drawn where it is used, not at the left edge.
2. **Order within a column.** Nodes start in the order the walk found them; a few sweeps then sort
   each column by the mean position of its neighbours in the column before (left to right) and after
   (right to left), the barycenter heuristic, which removes most edge crossings.
3. **Coordinates.** Each column is as wide as its widest box; boxes are stacked with a gap and each
   column centred vertically; an edge runs from the right side of its source to the left side of
   its target.

Box sizes come from the text: ``CHAR_W`` per character (twice for CJK), ``LINE_H`` per line.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from .walk import Graph

CHAR_W = 7.0
LINE_H = 16.0
PAD_X, PAD_Y = 10.0, 6.0
GAP_X, GAP_Y = 46.0, 14.0
SWEEPS = 4


@dataclass
class Box:
    x: float
    y: float
    w: float
    h: float
    column: int


@dataclass
class Layout:
    """Where each node's box is, and the drawing's size."""

    graph: Graph
    boxes: dict[str, Box]
    width: float
    height: float

    def edge_points(self, a: str, b: str) -> tuple[float, float, float, float]:
        """(x1, y1, x2, y2): from the right middle of ``a`` to the left middle of ``b``."""
        s, t = self.boxes[a], self.boxes[b]
        return s.x + s.w, s.y + s.h / 2, t.x, t.y + t.h / 2


def text_width(line: str) -> float:
    return sum(2 * CHAR_W if ord(ch) > 0x2E7F else CHAR_W for ch in line)


def box_size(lines: list[str]) -> tuple[float, float]:
    return (max(text_width(line) for line in lines) + 2 * PAD_X, len(lines) * LINE_H + 2 * PAD_Y)


def columns(graph: Graph) -> dict[str, int]:
    """The column of each node: longest path from the sources; sources next to their first consumer."""
    preds = {n.id: [] for n in graph.nodes}
    succs = {n.id: [] for n in graph.nodes}
    for a, b in graph.edges:
        succs[a].append(b)
        preds[b].append(a)
    waiting = {n: len(p) for n, p in preds.items()}
    queue = deque(n.id for n in graph.nodes if not preds[n.id])
    column = {n: 0 for n in queue}
    topological, done = [], set()
    while len(done) < len(graph.nodes):
        if not queue:                                  # a cycle (a folded layer can make one): break it
            stuck = next(n.id for n in graph.nodes if n.id not in done and waiting[n.id] > 0)
            column.setdefault(stuck, 0)
            waiting[stuck] = 0
            queue.append(stuck)
        node = queue.popleft()                         # Kahn's algorithm: each node after its inputs
        if node in done:
            continue
        done.add(node)
        topological.append(node)
        for nxt in succs[node]:
            if nxt in done:
                continue
            column[nxt] = max(column.get(nxt, 0), column[node] + 1)
            waiting[nxt] -= 1
            if waiting[nxt] == 0:
                queue.append(nxt)
    for node in reversed(topological):                 # then as far right as the consumers allow
        later = [column[s] for s in succs[node] if column[s] > column[node]]
        if later and len(later) == len(succs[node]):
            column[node] = min(later) - 1
    return column


def layout(graph: Graph) -> Layout:
    """Boxes for every node of ``graph`` (see the module's docstring for the three steps)."""
    column = columns(graph)
    count = max(column.values(), default=-1) + 1
    by_column: list[list[str]] = [[] for _ in range(count)]
    for node in graph.nodes:
        by_column[column[node.id]].append(node.id)
    neighbours = {n.id: ([], []) for n in graph.nodes}
    for a, b in graph.edges:
        neighbours[b][0].append(a)
        neighbours[a][1].append(b)
    for sweep in range(SWEEPS):
        forward = sweep % 2 == 0
        order = range(1, count) if forward else range(count - 2, -1, -1)
        for c in order:
            position = {n: i for col in by_column for i, n in enumerate(col)}
            side = 0 if forward else 1
            current = {n: i for i, n in enumerate(by_column[c])}

            def key(node, side=side, position=position, current=current):
                near = [position[m] for m in neighbours[node][side]]
                return (sum(near) / len(near)) if near else current[node]

            by_column[c].sort(key=key)
    sizes = {n.id: box_size(n.lines()) for n in graph.nodes}
    widths = [max((sizes[n][0] for n in col), default=0.0) for col in by_column]
    heights = [sum(sizes[n][1] for n in col) + GAP_Y * max(len(col) - 1, 0) for col in by_column]
    total_h = max(heights, default=0.0) + 2 * GAP_Y
    boxes, x = {}, GAP_Y
    for c, col in enumerate(by_column):
        y = (total_h - heights[c]) / 2
        for node in col:
            w, h = sizes[node]
            boxes[node] = Box(x + (widths[c] - w) / 2, y, w, h, c)
            y += h + GAP_Y
        x += widths[c] + GAP_X
    return Layout(graph, boxes, x - GAP_X + GAP_Y, total_h)
