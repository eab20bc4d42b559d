"""A computational graph read into plain nodes and edges, for drawing: it knows Tensors and
Functions only by their generic attributes, nothing of any operation.

``build(outputs)`` walks from the output tensors back to the leaves (breadth first, inputs in
order, so the same graph always gives the same ids: ``v0, v1, ...`` for variables, ``f0, f1, ...``
for functions). Every variable appears once, however many functions use it. A variable whose
tensor is still alive shows its name, value and gradient; one the program dropped shows its shape.
``collapse(graph)`` folds the operations of each layer (``mode.scope``) into one node.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from ...backend import to_numpy
from ..tensor import Tensor

VALUE_ENTRIES = 4      # arrays up to this many numbers show their values; larger ones their shape


@dataclass
class Node:
    """One box of the drawing: a variable (``role``: input, parameter, constant, intermediate,
    output), a function, or a layer of a collapsed graph."""

    id: str
    kind: str                      # "variable", "function" or "layer"
    role: str
    title: str
    shape: tuple | None = None
    value: str | None = None
    grad: str | None = None
    group: tuple | None = None     # a function's (path, kind, phase) scope
    holds: list = field(default_factory=list)   # a layer's folded parameters

    def lines(self) -> list[str]:
        """The text of the box, line by line."""
        if self.kind == "function":
            return [self.title]
        if self.kind == "layer":
            return [self.title, *self.holds]
        first = self.title or ""
        shape = "" if self.shape is None or self.shape == () else str(tuple(self.shape))
        lines = [f"{first} {shape}".strip() if first else (shape or "scalar")]
        if self.value is not None:
            lines.append(self.value)
        if self.grad is not None:
            lines.append(f"grad {self.grad}")
        return lines


@dataclass
class Graph:
    """Nodes and the edges between them (data flow: producer to consumer)."""

    nodes: list[Node]
    edges: list[tuple[str, str]]

    def node(self, node_id: str) -> Node:
        return next(n for n in self.nodes if n.id == node_id)


def format_array(array) -> str:
    """A short text for a value: the number, a few numbers, or nothing for large arrays."""
    a = to_numpy(array)
    if a.size == 1:
        return f"{a.reshape(-1)[0]:.4g}" if a.dtype.kind == "f" else str(a.reshape(-1)[0])
    if a.size <= VALUE_ENTRIES:
        text = np.array2string(a, separator=", ", formatter={"float_kind": lambda v: f"{v:.3g}"})
        return text.replace("\n", "")
    return None


def build(outputs, values: bool = True, grads: bool = True) -> Graph:
    """The graph that made ``outputs`` (a Tensor or a list of them)."""
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    nodes, edges, ids, linked = [], [], {}, set()
    counts = {"v": 0, "f": 0}

    def new_id(prefix):
        counts[prefix] += 1
        return f"{prefix}{counts[prefix] - 1}"

    def variable(key, tensor, shape, role):
        if key in ids:
            return ids[key]
        node = Node(new_id("v"), "variable", role, "", tuple(shape) if shape is not None else None)
        if tensor is not None:
            node.title = tensor.name or ""
            node.shape = tuple(tensor.shape)
            if values:
                node.value = format_array(tensor._data)
            if grads and tensor.grad is not None:
                shape_text = "(" + ", ".join(map(str, tensor.grad.shape)) + ")"
                node.grad = format_array(tensor.grad._data) or shape_text
        ids[key] = node.id
        nodes.append(node)
        return node.id

    def function(fn):
        key = ("f", id(fn))
        if key in ids:
            return ids[key], False
        phase = fn.scope[2] if fn.scope else "forward"
        node = Node(new_id("f"), "function", "backward" if phase == "backward" else "function", fn.label(),
                    group=fn.scope)
        ids[key] = node.id
        nodes.append(node)
        return node.id, True

    queue = deque()
    for t in outputs:
        if t.grad_fn is None:
            variable(("t", id(t)), t, t.shape, "output")
            continue
        vid = variable(("o", id(t.grad_fn), t._index), t, t.shape, "output")
        fid, new = function(t.grad_fn)
        edges.append((fid, vid))
        if new:
            queue.append(t.grad_fn)
    while queue:
        fn = queue.popleft()
        fid = ids[("f", id(fn))]
        for i, edge in enumerate(fn.next_edges):
            shape, _, ref = fn.input_meta[i]
            if edge is None:
                t = ref()
                role = "input" if t is not None and t.name else "constant"
                key = ("t", id(t)) if t is not None else ("c", id(fn), i)
                vid = variable(key, t, shape, role)
            elif type(edge[0]) is Tensor:
                vid = variable(("t", id(edge[0])), edge[0], shape, "parameter")
            else:
                producer, index = edge
                key = ("o", id(producer), index)
                seen = key in ids
                alive, shape_ = producer._outputs[index](), producer.output_meta[index][0]
                vid = variable(key, alive, shape_, "intermediate")
                if not seen:
                    pid, new = function(producer)
                    edges.append((pid, vid))
                    if new:
                        queue.append(producer)
            if (vid, fid) not in linked:
                linked.add((vid, fid))
                edges.append((vid, fid))
    return Graph(nodes, edges)


def collapse(graph: Graph) -> Graph:
    """One node per layer: the functions of a scope become one box, the variables that stay inside a
    layer disappear, and a layer's parameters are listed in its box. Variables between layers stay,
    with their shapes."""
    preds, succs = _neighbours(graph)
    group_ids, layer_nodes, node_of = {}, [], {}
    for node in graph.nodes:
        if node.kind == "function" and node.group is not None:
            path, kind, phase = node.group
            if node.group not in group_ids:
                title = f"{path} {kind}".strip() + (" backward" if phase == "backward" else "")
                layer = Node(f"l{len(layer_nodes)}", "layer", "backward" if phase == "backward" else "layer",
                             title, group=node.group)
                group_ids[node.group] = layer.id
                layer_nodes.append(layer)
            node_of[node.id] = group_ids[node.group]
        elif node.kind == "function":
            node_of[node.id] = node.id
    layers = {n.id: n for n in layer_nodes}
    kept = []
    for node in graph.nodes:
        if node.kind == "function":
            if node.group is None:
                kept.append(node)
            continue
        around = {node_of[p] for p in preds[node.id]} | {node_of[s] for s in succs[node.id]}
        if node.role in ("intermediate", "constant", "parameter") and len(around) == 1 \
                and next(iter(around)) in layers:
            layer = layers[next(iter(around))]
            if not preds[node.id] and node.role == "parameter":
                layer.holds.append(f"{node.title} {tuple(node.shape)}".strip())
            continue                                   # inside one layer: folded away
        kept.append(node)
    keep_ids = {n.id for n in kept} | set(layers)
    made_by = {b: node_of.get(a, a) for a, b in graph.edges if a in node_of}   # variable -> its maker
    edges, linked = [], set()
    for a, b in graph.edges:
        a2, b2 = node_of.get(a, a), node_of.get(b, b)
        if made_by.get(a) == b2:                       # back into the layer that made it: inside it
            continue
        if a2 in keep_ids and b2 in keep_ids and a2 != b2 and (a2, b2) not in linked:
            linked.add((a2, b2))
            edges.append((a2, b2))
    ordered = []
    placed = set()
    for node in graph.nodes:                           # layers where their first function was
        target = node_of.get(node.id, node.id)
        if target in keep_ids and target not in placed:
            placed.add(target)
            ordered.append(layers.get(target) or node)
    return Graph(ordered, edges)


def _neighbours(graph: Graph):
    preds = {n.id: [] for n in graph.nodes}
    succs = {n.id: [] for n in graph.nodes}
    for a, b in graph.edges:
        succs[a].append(b)
        preds[b].append(a)
    return preds, succs
