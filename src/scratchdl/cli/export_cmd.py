"""``scratchdl export RUN_DIR [--out model.onnx] [--opset N]``: a saved run as an ONNX file."""

from __future__ import annotations

import warnings
from pathlib import Path

from .. import checkpoint
from ..errors import ShapeError
from .options import positive_int


def register(commands) -> None:
    p = commands.add_parser(
        "export", help="write a saved run's model as ONNX (for ONNX Runtime, Netron, ...)",
        description="Write the model of a run saved by scratchdl train as an ONNX file: eval mode, "
                    "dynamic batch axis, input 'input', output 'output' (logits).")
    p.add_argument("run_dir", metavar="RUN_DIR", help="a folder written by scratchdl train")
    p.add_argument("--out", help="the .onnx file to write (default RUN_DIR/model.onnx)")
    p.add_argument("--opset", type=positive_int, help="ONNX opset version (default 17)")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..export import check_opset, to_onnx

    meta = checkpoint.read_meta(args.run_dir)      # RUN_DIR and --out are checked first (paths.py)
    out = Path(args.out)
    opset = check_opset(args.opset)
    shape = checkpoint.input_shape(meta)
    if not shape:
        raise ShapeError(f"{args.run_dir} does not record its input shape (dataset.input_shape)")
    model = checkpoint.load_model(args.run_dir)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        to_onnx(model, out, shape, opset)
    for warning in caught:
        print(f"scratchdl export: note: {warning.message}")
    dtype = next(model.parameters()).data.dtype
    print(f"wrote {out}: {meta['model']['name']}, opset {opset}, input 'input' (batch, "
          f"{', '.join(map(str, shape))}) {dtype}, output 'output' (logits)")
    return 0
