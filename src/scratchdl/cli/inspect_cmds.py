"""``scratchdl eval``, ``predict``, ``models`` and ``datasets``."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .. import backend, checkpoint, data, models
from ..backend import to_numpy
from ..errors import ShapeError
from ..nn import CrossEntropyLoss
from ..nn.activation import Softmax
from ..train import evaluate, predict_logits
from .images import INVERT_CHOICES, match_polarity, read_image
from .options import dataset_name
from .train_cmd import add_device_option, check_fits

RUN_HELP = "a folder written by scratchdl train (or its checkpoint.json)"


def register(commands) -> None:
    p = commands.add_parser(
        "eval", help="accuracy and confusion matrix of a saved run on its test split",
        description="Evaluate a saved run on the test split of its dataset (or --dataset): accuracy, loss, "
                    "and the confusion matrix (rows: true class, columns: predicted class), with each "
                    "class's recall in the last column.")
    p.add_argument("run_dir", metavar="DIR", help=RUN_HELP)
    p.add_argument("--dataset", type=dataset_name, help="default: the run's own")
    p.add_argument("--data-dir", help="folder with the dataset's files (mnist, fashion-mnist)")
    add_device_option(p)
    p.set_defaults(run=run_eval)

    p = commands.add_parser(
        "predict", help="classify images (PNG/JPEG or .npy) with a saved run",
        description="Classify images with a saved run. Each image (PNG, JPEG or a 2-D .npy array, any "
                    "size) is converted to grayscale (RGB for a color model), resized to the model's input "
                    "(8x8 for digits, 28x28 for MNIST; the aspect ratio is not kept) and scaled to [0, 1]. "
                    "The training images are a light digit on a dark background, centered and filling "
                    "most of the image; a drawing that is dark on light (its border mostly light) is "
                    "inverted first, and the output says so (--invert).")
    p.add_argument("run_dir", metavar="DIR", help=RUN_HELP)
    p.add_argument("images", metavar="IMAGE", nargs="+", help="PNG/JPEG files or .npy arrays")
    p.add_argument("--invert", choices=INVERT_CHOICES, default="auto",
                   help="invert the images' gray levels: auto (default: when the border is mostly light, "
                        "i.e. dark ink on a light background), yes or no")
    add_device_option(p)
    p.set_defaults(run=run_predict)

    p = commands.add_parser("models", help="list the model zoo",
                            description="List the zoo's models (the names --model takes) at the two "
                                        "image sizes, 8x8 (digits) and 28x28 (MNIST): parameters, "
                                        "multiply-adds per sample and what each is.")
    p.set_defaults(run=run_models)
    p = commands.add_parser("datasets", help="list the datasets",
                            description="List the datasets (the names --dataset takes): what each holds, "
                                        "its input shape, classes and split sizes, and where it comes from. "
                                        "A .npz file with x_train, t_train, x_test, t_test is a dataset too.")
    p.set_defaults(run=run_datasets)


def run_eval(args) -> int:
    backend.check_device(args.device)
    model = checkpoint.load_model(args.run_dir)
    meta = checkpoint.read_meta(args.run_dir)
    options = meta.get("options", {})
    name = args.dataset or meta["dataset"]["name"]
    _, test_set = data.load_splits(name, data_dir=args.data_dir or options.get("data_dir"),
                                   seed=options.get("seed", 0), dtype=meta.get("dtype"))
    check_fits(model, meta["model"]["name"], test_set)
    result = evaluate(model.eval(), CrossEntropyLoss(), test_set, device=args.device)
    print(f"test accuracy: {result.accuracy:.4f} on {test_set.name} ({len(test_set)} samples), "
          f"loss {result.loss:.4f}")
    labels = [str(c) for c in (test_set.classes or range(test_set.num_classes))]
    width = max(len(s) for s in labels + [str(result.confusion_matrix.max())])
    print("confusion matrix (rows: true class, columns: predicted class; "
          "recall: the fraction of the row's class predicted right)")
    print(" " * (width + 1) + " ".join(s.rjust(width) for s in labels) + "   recall")
    for label, row, acc in zip(labels, result.confusion_matrix, result.per_class_accuracy, strict=True):
        print(label.rjust(width) + " " + " ".join(str(v).rjust(width) for v in row) + f"    {acc:.3f}")
    return 0


def run_predict(args) -> int:
    backend.check_device(args.device)
    model = checkpoint.load_model(args.run_dir).to(device=args.device)
    meta = checkpoint.read_meta(args.run_dir)
    info = meta["dataset"]
    shape = tuple(info["input_shape"])
    if len(shape) != 3:
        raise ShapeError(f"predict: the run's model takes inputs of shape {shape}, not images")
    dtype = next(model.parameters()).data.dtype
    images, inverted = zip(*(match_polarity(read_image(Path(p), shape), args.invert) for p in args.images),
                           strict=True)
    batch = np.stack(images).astype(dtype)
    probabilities = to_numpy(Softmax()(predict_logits(model, batch)))
    classes = info.get("classes") or list(range(info["num_classes"]))
    for path, p, flipped in zip(args.images, probabilities, inverted, strict=True):
        k = int(p.argmax())
        note = ""
        if flipped:
            note = "; inverted: dark on light" if args.invert == "auto" else "; inverted (--invert yes)"
        print(f"{path}: class {classes[k]} (probability {p[k]:.3f}{note})")
    return 0


def describe(cls) -> str:
    """The first line of a class's docstring in plain words: reStructuredText roles (``:math:`x```)
    and literal quotes (````x````) are dropped, keeping the text inside them."""
    line = (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else cls.__name__
    line = re.sub(r":\w+:`([^`]*)`", r"\1", line)
    return re.sub(r"``([^`]*)``|`([^`]*)`", lambda m: m.group(1) or m.group(2) or "", line)


def run_models(args) -> int:
    for name in sorted(models.MODELS):
        for shape in ((1, 8, 8), (1, 28, 28)):
            model = models.build(name, shape, 10)
            s = model.summary(shape, verbose=False)
            print(f"{name:<11} input {'x'.join(map(str, shape)):<8} {s.total_params:>10,} params "
                  f"{s.total_macs:>12,} multiply-adds/sample   {describe(type(model))}")
    return 0


def run_datasets(args) -> int:
    for name, info in sorted(data.DATASETS.items()):
        print(f"{name:<14} {info}")
    return 0
