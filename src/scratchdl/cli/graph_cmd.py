"""``scratchdl graph MODEL_OR_RUN --out graph.svg``: a model's forward and backward graph, drawn.

MODEL_OR_RUN is a model of the zoo (``mlp``, ``simple_cnn``, ``vgg``, ``resnet``, ``alexnet``,
built for ``--input-shape``, default 1x28x28, and 10 classes) or a folder written by
``scratchdl train``. One training step's computation at batch 1 goes through autograd: the forward
pass, the cross-entropy against label 0, and the backward pass recorded as a graph of its own
(``grad(loss, parameters, create_graph=True)``), every box with its shape. A graph of more than
``--max-nodes`` boxes is drawn one box per layer. ``.svg`` is drawn by scratchdl itself; ``.dot``
is the DOT text; ``.png`` and ``.pdf`` need Graphviz's ``dot``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import ConfigError
from . import paths
from .options import int_list, positive_int

DEFAULT_SHAPE = (1, 28, 28)


def register(commands) -> None:
    p = commands.add_parser(
        "graph", help="draw a model's forward and backward computational graph (SVG, no Graphviz needed)",
        description="Draw the computational graph of one training step of a model at batch 1: forward, "
                    "loss and backward, with shapes, as autograd records it.")
    p.add_argument("model", metavar="MODEL_OR_RUN",
                   help="a zoo model (mlp, simple_cnn, vgg, resnet, alexnet) or a run folder of "
                        "scratchdl train")
    p.add_argument("--out", default="graph.svg", help="the file to write: .svg, .dot, .png or .pdf "
                                                      "(default graph.svg; .png and .pdf need Graphviz)")
    p.add_argument("--input-shape", type=int_list, metavar="C,H,W",
                   help="a zoo model's input shape without the batch axis (default 1,28,28)")
    p.add_argument("--max-nodes", type=positive_int, default=300,
                   help="above this many boxes, draw one box per layer (default 300)")
    p.set_defaults(run=run)


def _source(args):
    """``(model, name, input_shape)`` of MODEL_OR_RUN: a zoo model, else a run folder."""
    from .. import checkpoint, models

    text = args.model
    if str(text).lower() in models.MODELS and not Path(text).exists():
        shape = tuple(args.input_shape or DEFAULT_SHAPE)
        if len(shape) != 3:
            given = ",".join(map(str, shape))
            raise ConfigError(f"--input-shape: expected C,H,W (three numbers), got {given}")
        return models.build(text, shape, 10), str(text).lower(), shape
    if not Path(text).expanduser().exists():
        raise paths.PathError(f"MODEL_OR_RUN {text}: neither a zoo model (valid: "
                              f"{', '.join(sorted(models.MODELS))}) nor an existing run folder")
    folder = paths.run_folder(text, "MODEL_OR_RUN")
    meta = checkpoint.read_meta(folder)
    shape = args.input_shape or checkpoint.input_shape(meta)
    if not shape:
        raise ConfigError(f"{folder} does not record its input shape; give --input-shape C,H,W")
    return checkpoint.load_model(folder), meta["model"]["name"], tuple(shape)


def run(args) -> int:
    from ..autograd import Tensor, from_nn, grad
    from ..autograd import functional as F
    from ..autograd.drawing import FORMATS, draw

    out = paths.output_file(args.out, "--out", example="graph.svg")
    if out.suffix.lower() not in FORMATS:
        raise ConfigError(f"--out {out}: the file name must end in {', '.join(FORMATS)}")
    model, name, shape = _source(args)
    dtype = next(model.parameters()).data.dtype
    model.train()                                   # the graph of a training step (batch statistics, dropout)
    x = Tensor(np.random.default_rng(0).random((1, *shape)).astype(dtype), name="x")
    params = from_nn.parameters(model)
    label = Tensor(np.zeros(1, dtype=np.int64), name="t")
    loss = F.cross_entropy(from_nn.forward(model, x, params), label)
    loss.name = "loss"
    grads = grad(loss, list(params.values()), create_graph=True)
    for (key, _), g in zip(params.items(), grads, strict=True):
        g.name = f"grad {key}"
    drawing = draw([loss, *grads], out, values=False, grads=False, max_nodes=args.max_nodes)
    boxes = len(drawing.graph.nodes)
    layers = any(n.kind == "layer" for n in drawing.graph.nodes)
    how = f"one box per layer ({boxes} boxes)" if layers else f"{boxes} boxes"
    print(f"wrote {out}: {name}, input (1, {', '.join(map(str, shape))}), forward and backward graph at "
          f"batch 1, {how}")
    return 0
