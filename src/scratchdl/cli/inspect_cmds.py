"""``scratchdl eval``, ``predict``, ``models`` and ``datasets``."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .. import backend, checkpoint, data, models
from ..backend import to_numpy
from ..errors import DataError, ShapeError
from ..nn import CrossEntropyLoss
from ..nn.activation import Softmax
from ..train import evaluate, predict_logits
from .options import dataset_name
from .train_cmd import add_device_option, check_fits


def register(commands) -> None:
    p = commands.add_parser("eval", help="accuracy and confusion matrix of a saved run on its test split")
    p.add_argument("run_dir", metavar="DIR", help="a folder written by scratchdl train")
    p.add_argument("--dataset", type=dataset_name, help="default: the run's own")
    p.add_argument("--data-dir", help="folder with the dataset's files (mnist, fashion-mnist)")
    add_device_option(p)
    p.set_defaults(run=run_eval)

    p = commands.add_parser("predict", help="classify images (PNG/JPEG or .npy) with a saved run")
    p.add_argument("run_dir", metavar="DIR", help="a folder written by scratchdl train")
    p.add_argument("images", metavar="IMAGE", nargs="+", help="PNG/JPEG files or .npy arrays")
    add_device_option(p)
    p.set_defaults(run=run_predict)

    p = commands.add_parser("models", help="list the model zoo")
    p.set_defaults(run=run_models)
    p = commands.add_parser("datasets", help="list the datasets")
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
    print("confusion matrix (rows: true class, columns: predicted class)")
    print(" " * (width + 1) + " ".join(s.rjust(width) for s in labels))
    for label, row, acc in zip(labels, result.confusion_matrix, result.per_class_accuracy, strict=True):
        print(label.rjust(width) + " " + " ".join(str(v).rjust(width) for v in row) + f"   {acc:.3f}")
    return 0


def read_image(path: Path, input_shape) -> np.ndarray:
    """An image file or .npy array as a float array of ``input_shape`` with values in [0, 1]."""
    channels, height, width = input_shape
    if not path.is_file():
        raise DataError(f"image {path}: no such file")
    if path.suffix.lower() == ".npy":
        try:
            array = np.load(path, allow_pickle=False).astype(np.float64)
        except (ValueError, OSError) as e:
            raise DataError(f"image {path}: not a readable .npy array ({e})") from None
        if array.ndim == 3 and array.shape[0] == channels:
            array = array.mean(axis=0) if channels == 1 else array
        if array.shape == (channels, height, width):
            return array
        if array.ndim != 2:
            raise ShapeError(f"image {path}: expected a 2-D array or shape {tuple(input_shape)}, "
                             f"got {array.shape}")
        lo, hi = float(array.min()), float(array.max())
        array = (array - lo) / (hi - lo) if hi > lo else np.zeros_like(array)
        from PIL import Image

        image = Image.fromarray((array * 255).astype(np.uint8))
    else:
        from PIL import Image, UnidentifiedImageError

        try:
            image = Image.open(path)
            image.load()
        except (UnidentifiedImageError, OSError) as e:
            raise DataError(f"image {path}: cannot be read as an image ({e})") from None
    mode = "L" if channels == 1 else "RGB"
    resized = np.asarray(image.convert(mode).resize((width, height)), dtype=np.float64) / 255.0
    return resized.reshape(height, width, channels).transpose(2, 0, 1)


def run_predict(args) -> int:
    backend.check_device(args.device)
    model = checkpoint.load_model(args.run_dir).to(device=args.device)
    meta = checkpoint.read_meta(args.run_dir)
    info = meta["dataset"]
    shape = tuple(info["input_shape"])
    if len(shape) != 3:
        raise ShapeError(f"predict: the run's model takes inputs of shape {shape}, not images")
    dtype = next(model.parameters()).data.dtype
    batch = np.stack([read_image(Path(p), shape) for p in args.images]).astype(dtype)
    probabilities = to_numpy(Softmax()(predict_logits(model, batch)))
    classes = info.get("classes") or list(range(info["num_classes"]))
    for path, p in zip(args.images, probabilities, strict=True):
        k = int(p.argmax())
        print(f"{path}: class {classes[k]} (probability {p[k]:.3f})")
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
