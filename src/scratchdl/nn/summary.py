"""``summary(model, input_shape)``: the Keras-style table a learner wants first.

As torchinfo's ``summary`` (and Keras's ``model.summary()``), it prints the table; it also returns
it as a ``Summary`` whose ``str`` and ``repr`` are the table and whose fields (``rows``,
``total_params``, ``total_macs``) a program can read. ``verbose=False`` only returns it. A
notebook or the interpreter also shows the returned value: assign it (``s = model.summary(...)``)
to see the table once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..backend import get_array_module
from ..plotting import in_notebook
from . import module as module_mod


@dataclass
class SummaryRow:
    name: str
    layer: str
    output_shape: tuple
    params: int
    macs: int


@dataclass
class Summary:
    """A model's layers in a table: output shapes, parameter counts and multiply-adds per sample.

    ``str(s)`` and ``repr(s)`` are the table; ``rows`` holds one ``SummaryRow`` per leaf layer.
    """

    rows: list[SummaryRow] = field(default_factory=list)
    total_params: int = 0
    trainable_params: int = 0
    total_macs: int = 0

    def __str__(self) -> str:
        header = ("Layer", "Type", "Output shape", "Params", "MACs")
        body = [
            (r.name, r.layer, str(r.output_shape), f"{r.params:,}", f"{r.macs:,}") for r in self.rows
        ]
        widths = [max(len(row[i]) for row in [header, *body]) for i in range(5)]

        def fmt(row):
            left = [row[i].ljust(widths[i]) for i in range(3)]
            return "  ".join(left + [row[i].rjust(widths[i]) for i in (3, 4)])

        rule = "-" * len(fmt(header))
        lines = [fmt(header), rule, *map(fmt, body), rule]
        lines.append(f"Total params: {self.total_params:,}")
        lines.append(f"Multiply-adds per sample: {self.total_macs:,}")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        """Jupyter's view: the same table as ``str``, as HTML."""
        import html

        head = "".join(f"<th>{h}</th>" for h in ("Layer", "Type", "Output shape", "Params", "MACs"))
        body = "".join(
            f"<tr><td>{html.escape(r.name)}</td><td>{html.escape(r.layer)}</td><td>{r.output_shape}</td>"
            f"<td style='text-align:right'>{r.params:,}</td><td style='text-align:right'>{r.macs:,}</td></tr>"
            for r in self.rows)
        foot = (f"<tr><td colspan=3>Total params</td><td style='text-align:right'>{self.total_params:,}</td>"
                f"<td style='text-align:right'>{self.total_macs:,}</td></tr>")
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}{foot}</tbody></table>"


def summary(model, input_shape, dtype=None, verbose: bool | None = None) -> Summary:
    """Print and return the table of the layers ``model`` runs on one sample of ``input_shape``.

    One zero sample of shape ``input_shape`` (without the batch axis) goes through ``model`` in
    eval mode, and every leaf layer it calls is tabulated. ``verbose=False`` returns the table
    without printing it; by default it prints, except in a Jupyter notebook, where the returned
    table shows itself as HTML (as torchinfo does).
    """
    names = {id(m): path for path, m in model.named_modules()}
    param = next(model.parameters(), None)
    if dtype is None:
        dtype = param.data.dtype if param is not None else np.float32
    xp = np if param is None else get_array_module(param.data)
    result = Summary()

    def record(layer, inputs, output):
        if next(layer.children(), None) is not None or not hasattr(output, "shape"):
            return
        params = sum(int(p.data.size) for p in layer._parameters.values() if p is not None)
        macs_fn = getattr(layer, "macs", None)
        macs = int(macs_fn(inputs[0].shape, output.shape)) if macs_fn else 0
        shape = (None, *output.shape[1:])
        result.rows.append(SummaryRow(names.get(id(layer), ""), layer.name(), shape, params, macs))
        result.total_macs += macs

    was_training = [m.training for m in model.modules()]
    model.eval()
    module_mod._call_hooks.append(record)
    try:
        model(xp.zeros((1, *input_shape), dtype=dtype))
    finally:
        module_mod._call_hooks.remove(record)
        for m, mode in zip(model.modules(), was_training, strict=True):
            m.training = mode
    result.total_params = result.trainable_params = model.num_parameters()
    if verbose or (verbose is None and not in_notebook()):
        print(result)
    return result
