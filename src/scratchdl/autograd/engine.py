r"""The backward pass: the chain rule applied to the graph, node by node, in reverse order.

From a tensor :math:`y` and its gradient (1 for a scalar), every function :math:`f` receives
:math:`\partial L/\partial\,\mathrm{out}(f)` and hands each input
:math:`\partial L/\partial x_i = (\partial L/\partial y) \cdot \partial y/\partial x_i` for its
inputs :math:`x_i` and output :math:`y`.
A value used several times gets the sum of the gradients of its uses, so a function may run only
when every use has reported: functions are taken in decreasing **generation** (a function's
generation is the largest of its inputs', an output's one more), from a heap, in a loop. There is
no recursion, so a graph a million operations deep needs no more stack than a small one.

Gradients of intermediate tensors are freed as soon as their function has run, unless the tensor
asked to keep its gradient (``retain_grad``). With ``create_graph`` the backward functions run with
grad mode on, so the gradients they produce are tensors with a graph of their own.
"""

from __future__ import annotations

import heapq
import itertools

from ..backend import get_array_module
from ..errors import GraphError, ShapeError
from . import mode
from .tensor import Tensor, as_array


def backward(tensors, grad_tensors=None, retain_graph: bool | None = None,
             create_graph: bool = False) -> None:
    """Add the gradient of ``tensors`` (weighted by ``grad_tensors``) into every leaf's ``grad``."""
    roots = list(tensors)
    seeds = _seeds("backward", roots, grad_tensors)
    _run(roots, seeds, create_graph if retain_graph is None else retain_graph, create_graph, None)


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None,
         create_graph: bool = False) -> tuple:
    r"""The gradients of ``outputs`` with respect to ``inputs``, returned (``grad`` is not touched).

    ``outputs`` and ``inputs`` are a Tensor or a sequence of them; ``grad_outputs`` weights the
    outputs (1 for one-element outputs when left out). With ``create_graph=True`` the results have
    a graph, so ``grad`` can be applied to them again: ``grad(grad(y, x, create_graph=True)[0], x)``
    is :math:`d^2y/dx^2`. An input the outputs do not depend on gets zeros, its true derivative
    (not None). The graph is freed unless ``retain_graph`` (default: ``create_graph``).
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise GraphError(f"grad: input {i} is a {type(t).__name__}, expected a Tensor")
        if not t._requires_grad:
            raise GraphError(f"grad: input {i} (shape {t.shape}) does not require grad, so no gradient "
                             f"flows to it; create it with requires_grad=True")
    seeds = _seeds("grad", outputs, grad_outputs)
    found = _run(outputs, seeds, create_graph if retain_graph is None else retain_graph, create_graph, inputs)
    results = [Tensor._wrap(_like(t._data, 0)) if g is None else g
               for t, g in zip(inputs, found, strict=True)]
    return results[0] if single else tuple(results)


def _like(array, value):
    """An array of ``value`` shaped and typed like ``array``, on its device."""
    return get_array_module(array).full_like(array, value)


def _seeds(caller: str, roots: list, given) -> list:
    """The gradient each root starts with: ``given``, or 1 for a one-element root."""
    if given is not None and not isinstance(given, (list, tuple)):
        given = [given]
    if given is not None and len(given) != len(roots):
        raise ShapeError(f"{caller}: {len(roots)} outputs but {len(given)} gradients for them")
    seeds = []
    for i, root in enumerate(roots):
        if not isinstance(root, Tensor):
            raise GraphError(f"{caller}: output {i} is a {type(root).__name__}, expected a Tensor")
        if not root._requires_grad:
            raise GraphError(
                f"{caller}: the tensor (shape {root.shape}) does not require grad and has no grad_fn: no "
                f"input of the operations that made it had requires_grad=True (or they ran under no_grad)")
        g = None if given is None else given[i]
        if g is None:
            if root.size != 1:
                raise ShapeError(
                    f"{caller}: the output has shape {root.shape}, not a single number, so its gradient "
                    f"must be given: {caller}(grad=...) with an array of shape {root.shape} (1 is assumed "
                    f"only for a scalar; to differentiate a sum, call .sum() first)")
            g = Tensor._wrap(_like(root._data, 1))
        else:
            g = g if isinstance(g, Tensor) else Tensor._wrap(as_array(g, root.dtype))
            if g.shape != root.shape:
                raise ShapeError(f"{caller}: the gradient has shape {g.shape}, the output {root.shape}; "
                                 f"they must be equal")
        seeds.append(g)
    return seeds


def _run(roots, seeds, retain_graph: bool, create_graph: bool, targets):
    """The backward pass. ``targets`` None: accumulate into the leaves' ``grad``. Else a list of
    tensors: return their gradients (None where none arrived), leaving every ``grad`` alone."""
    pending: dict = {}            # function -> [gradient of each output]
    heap: list = []
    order = itertools.count()     # ties in generation: first come, first served (deterministic)
    found: dict = {}              # id(target) -> its gradient
    leaf_targets = out_targets = needed = None
    if targets is not None:
        leaf_targets = {id(t) for t in targets if t.grad_fn is None}
        out_targets = {(t.grad_fn, t._index): id(t) for t in targets if t.grad_fn is not None}
        needed = _functions_leading_to(roots, leaf_targets, out_targets)

    def send(node, index, g):
        if type(node) is not Tensor:                      # a function's output: wait for all uses
            grads = pending.get(node)
            if grads is None:
                grads = pending[node] = [None] * len(node.output_meta)
                heapq.heappush(heap, (-node.generation, next(order), node))
            if grads[index] is None:
                grads[index] = g
            elif create_graph and node.scope is not None:    # the sum belongs to the layer it is for
                with mode.scope(node.scope[0], node.scope[1], "backward"):
                    grads[index] = grads[index] + g
            else:
                grads[index] = grads[index] + g
        elif targets is not None:
            if id(node) in leaf_targets:
                found[id(node)] = g if id(node) not in found else found[id(node)] + g
        elif node.grad is None:                           # a leaf: its gradient adds up in .grad
            node.grad = g if create_graph else Tensor._wrap(g._data)
        else:
            node.grad = node.grad + g

    with mode.set_grad_enabled(create_graph):
        for root, seed in zip(roots, seeds, strict=True):
            if root.grad_fn is None:
                send(root, 0, seed)
            else:
                send(root.grad_fn, root._index, seed)
        while heap:
            fn = heapq.heappop(heap)[2]
            grads = pending.pop(fn)
            _deliver(fn, grads, out_targets, found)
            if needed is not None and fn not in needed:
                continue
            if fn._freed:
                raise fn._freed_error()
            if create_graph:
                path, kind, _ = fn.scope or ("", fn.label(), "")
                with mode.scope(path, kind, "backward"):
                    gxs = fn.backward(*grads)
            else:
                gxs = fn.backward(*grads)
            if type(gxs) is not tuple:
                gxs = (gxs,)
            if len(gxs) != len(fn.next_edges):
                raise GraphError(f"{fn.label()}.backward returned {len(gxs)} gradients for "
                                 f"{len(fn.next_edges)} inputs")
            for edge, gx, meta in zip(fn.next_edges, gxs, fn.input_meta, strict=True):
                if edge is None or gx is None:
                    continue
                if type(gx) is not Tensor:
                    gx = gx if isinstance(gx, Tensor) else Tensor._wrap(as_array(gx))
                if gx._data.shape != meta[0]:
                    raise GraphError(f"{fn.label()}.backward returned a gradient of shape {gx.shape} for "
                                     f"an input of shape {meta[0]}")
                send(edge[0], edge[1], gx)
            if not retain_graph:
                fn.release()
    if targets is None:
        return None
    return [found.get(id(t)) for t in targets]


def _deliver(fn, grads, out_targets, found) -> None:
    """Hand the finished gradients of ``fn``'s outputs to the tensors that keep theirs."""
    for index, ref in enumerate(fn._outputs):
        g = grads[index]
        if g is None:
            continue
        if out_targets is not None:
            key = out_targets.get((fn, index))
            if key is not None:
                found[key] = g
            continue
        t = ref()
        if t is not None and t._retains_grad:
            t.grad = g if t.grad is None else t.grad + g


def _functions_leading_to(roots, leaf_targets: set, out_targets: dict) -> set:
    """The functions whose backward must run for gradients to reach the targets: those with an edge
    to a target leaf, to the function of a target output, or to another such function."""
    starts = [r.grad_fn for r in roots if r.grad_fn is not None]
    postorder, seen, stack = [], set(), [(fn, False) for fn in starts]
    while stack:                                          # iterative depth-first search
        fn, done = stack.pop()
        if done:
            postorder.append(fn)
            continue
        if fn in seen:
            continue
        seen.add(fn)
        stack.append((fn, True))
        stack.extend((edge[0], False) for edge in fn.next_edges
                     if edge is not None and type(edge[0]) is not Tensor and edge[0] not in seen)
    needed = set()
    for fn in postorder:                                  # inputs before the functions that use them
        for edge in fn.next_edges:
            if edge is None:
                continue
            node, index = edge
            if (id(node) in leaf_targets if type(node) is Tensor
                    else node in needed or (node, index) in out_targets):
                needed.add(fn)
                break
    return needed
