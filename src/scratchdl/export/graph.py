"""Building an ONNX graph node by node with ``onnx.helper``, then checking it with ``onnx.checker``.

Tensor names follow the model tree: a layer's weights keep their ``state_dict`` names
(``features.0.weight``), a layer's output is named by its path (``features.0``), and a node inside a
layer that needs several is ``<path>/<Op>``. ONNX Runtime has no float64 kernel for a few operators
(``NO_DOUBLE_KERNEL``); in a float64 graph those run in float32 between two ``Cast`` nodes, and the
builder remembers which layers it cast so that ``to_onnx`` can say so.
"""

from __future__ import annotations

import numpy as np

from ..backend import to_numpy

# Operators for which onnxruntime (checked: 1.32) registers no float64 CPU kernel.
NO_DOUBLE_KERNEL = frozenset({"Conv", "AveragePool", "Erf"})


class GraphBuilder:
    """Collects nodes and initializers of one graph whose tensors have ``dtype`` (float32 or float64)."""

    def __init__(self, dtype, opset: int):
        from onnx import helper

        self.dtype = np.dtype(dtype)
        self.opset = opset
        self.nodes, self.initializers = [], []
        self.casts: list[tuple[str, str]] = []       # (layer path, operator) computed in float32
        self._names: set[str] = {"input", "output"}   # the graph's own input and output
        self._tensor_type = helper.np_dtype_to_tensor_dtype

    # ---- names ---------------------------------------------------------------------------
    def fresh(self, name: str) -> str:
        """``name``, or ``name_1``, ``name_2``, ... if it is taken."""
        candidate, k = name, 0
        while candidate in self._names:
            k += 1
            candidate = f"{name}_{k}"
        self._names.add(candidate)
        return candidate

    # ---- tensors -------------------------------------------------------------------------
    def initializer(self, name: str, array, dtype=None) -> str:
        """A constant tensor named ``name`` (a ``state_dict`` path), in ``dtype`` or the graph's."""
        from onnx import numpy_helper

        value = np.ascontiguousarray(to_numpy(array))
        if np.issubdtype(value.dtype, np.floating):
            value = value.astype(self.dtype if dtype is None else dtype, copy=False)
        name = self.fresh(name)
        self.initializers.append(numpy_helper.from_array(value, name))
        return name

    def scalar(self, name: str, value: float, dtype=None) -> str:
        return self.initializer(name, np.array(value, dtype=self.dtype if dtype is None else dtype))

    # ---- nodes ---------------------------------------------------------------------------
    def node(self, op: str, inputs, name: str, **attributes) -> str:
        """Append ``op(inputs)``; its node and its one output are both named ``name`` (made unique)."""
        from onnx import helper

        output = self.fresh(name)
        self.nodes.append(helper.make_node(op, list(inputs), [output], name=output, **attributes))
        return output

    def compute_dtype(self, op: str, path: str) -> np.dtype:
        """The dtype ``op`` runs in: the graph's, or float32 where ONNX Runtime lacks a float64 kernel."""
        if self.dtype == np.float64 and op in NO_DOUBLE_KERNEL:
            self.casts.append((path, op))
            return np.dtype(np.float32)
        return self.dtype

    def cast(self, tensor: str, dtype, name: str) -> str:
        """``tensor`` converted to ``dtype`` (no node when it already is: callers track the dtype)."""
        return self.node("Cast", [tensor], name, to=self._tensor_type(np.dtype(dtype)))

    # ---- the model -----------------------------------------------------------------------
    def build(self, input_name: str, input_dims, output_name: str, output_dims, doc: str):
        """The checked ``ModelProto``: the last node's output renamed ``output_name``."""
        import onnx
        from onnx import helper

        elem = self._tensor_type(self.dtype)
        if not self.nodes:  # a model that is no computation at all, e.g. Sequential()
            self.nodes.append(helper.make_node("Identity", [input_name], [output_name], name=output_name))
        else:  # nodes come in topological order, so no node reads the last one's output
            self.nodes[-1].output[0] = output_name
        graph = helper.make_graph(
            self.nodes, "scratchdl",
            [helper.make_tensor_value_info(input_name, elem, input_dims)],
            [helper.make_tensor_value_info(output_name, elem, output_dims)],
            initializer=self.initializers,
        )
        opsets = [helper.make_opsetid("", self.opset)]
        model = helper.make_model(graph, opset_imports=opsets, producer_name="scratchdl",
                                  ir_version=helper.find_min_ir_version_for(opsets), doc_string=doc)
        onnx.checker.check_model(model, full_check=True)
        return model
