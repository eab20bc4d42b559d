"""The dataset registry: ``DATASETS``, ``load`` and ``load_splits``.

``DATASETS`` maps each name to a ``DatasetInfo`` (description, input shape, classes, split sizes,
source, extra options) -- what ``scratchdl datasets`` lists. ``load(name, split)`` returns one
split as a ``Dataset``; ``load_splits(name)`` returns ``(train, test)``. Names are
case-insensitive and ``_`` may stand for ``-`` (``fashion_mnist``). A name ending in ``.npz`` is
a file of your own arrays (see ``scratchdl.data.npz``). Unknown names, splits, dtypes and options
raise ``ConfigError`` listing the valid ones.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..backend import resolve_dtype
from ..errors import ConfigError, unknown_name
from . import digits, mnist, synthetic
from .dataset import Dataset
from .npz import load_npz

SPLITS = ("train", "test")


@dataclass(frozen=True)
class DatasetInfo:
    """What a dataset is, before loading it.

    ``sizes`` is ``{"train": n, "test": n}`` (for synthetic data, with the default options);
    ``options`` are the extra keyword arguments ``load`` accepts for it, with their defaults.
    """

    name: str
    description: str
    input_shape: tuple[int, ...]
    num_classes: int | None
    classes: tuple[str, ...] | None
    sizes: dict
    source: str
    options: dict = field(default_factory=dict)
    loader: Callable = field(default=None, repr=False, compare=False)

    def __str__(self) -> str:
        """One line for ``scratchdl datasets``: what it is, shapes, classes, sizes, source."""
        shape = "x".join(map(str, self.input_shape))
        kind = "regression" if self.num_classes is None else f"{self.num_classes} classes"
        return (f"{self.description}; input {shape}, {kind}, train {self.sizes['train']:,} / "
                f"test {self.sizes['test']:,}; {self.source}")


def _digits(split, data_dir, seed, dtype):
    return digits.load_digits(split, dtype=dtype)


def _idx(name):
    def loader(split, data_dir, seed, dtype, download=True):
        return mnist.load_idx_dataset(name, split, data_dir=data_dir, dtype=dtype, download=download)
    return loader


def _synthetic(fn):
    def loader(split, data_dir, seed, dtype, **options):
        return fn(split, seed=seed, dtype=dtype, **options)
    return loader


DATASETS: dict[str, DatasetInfo] = {
    "digits": DatasetInfo(
        "digits", "8x8 handwritten digits bundled with scikit-learn (offline; the default)",
        (1, 8, 8), 10, tuple(digits.CLASSES), dict(digits.SIZES),
        "sklearn.datasets.load_digits; fixed stratified 80/20 split (random_state=0)",
        loader=_digits),
    "mnist": DatasetInfo(
        "mnist", "28x28 handwritten digits (LeCun, Cortes, Burges), from the four IDX files",
        (1, 28, 28), 10, tuple(mnist.MNIST_CLASSES), {"train": 60000, "test": 10000},
        f"IDX files in --data-dir, $SCRATCHDL_DATA_DIR or the cache, else "
        f"{mnist.SOURCES['mnist'].mirrors[0]}",
        options={"download": True}, loader=_idx("mnist")),
    "fashion-mnist": DatasetInfo(
        "fashion-mnist", "28x28 Zalando clothing images in 10 classes, from the four IDX files",
        (1, 28, 28), 10, tuple(mnist.FASHION_CLASSES), {"train": 60000, "test": 10000},
        f"IDX files in --data-dir, $SCRATCHDL_DATA_DIR or the cache, else "
        f"{mnist.SOURCES['fashion-mnist'].mirrors[0]}",
        options={"download": True}, loader=_idx("fashion-mnist")),
    "spiral": DatasetInfo(
        "spiral", "synthetic: 3 interleaved spiral arms in the plane (classification)",
        (2,), 3, ("0", "1", "2"), {"train": 240, "test": 60}, "generated from --seed",
        options={"n_per_class": 100, "num_classes": 3, "noise": 0.2, "test_fraction": 0.2},
        loader=_synthetic(synthetic.spiral)),
    "sine": DatasetInfo(
        "sine", "synthetic: y = sin(x) + noise, x in [-pi, pi] (regression)",
        (1,), None, None, {"train": 160, "test": 40}, "generated from --seed",
        options={"n": 200, "noise": 0.1, "low": -np.pi, "high": np.pi, "test_fraction": 0.2},
        loader=_synthetic(synthetic.sine)),
    "xor": DatasetInfo(
        "xor", "synthetic: points in [-1, 1]^2 labelled by the XOR of their signs (2 classes)",
        (2,), 2, ("same sign", "different sign"), {"train": 160, "test": 40}, "generated from --seed",
        options={"n": 200, "noise": 0.1, "test_fraction": 0.2},
        loader=_synthetic(synthetic.xor)),
    "circles": DatasetInfo(
        "circles", "synthetic: a disk inside a ring in the plane (2 classes)",
        (2,), 2, ("inside", "outside"), {"train": 160, "test": 40}, "generated from --seed",
        options={"n": 200, "noise": 0.05, "test_fraction": 0.2},
        loader=_synthetic(synthetic.circles)),
    "gaussians": DatasetInfo(
        "gaussians", "synthetic: two Gaussian blobs in the plane (2 classes)",
        (2,), 2, ("lower left", "upper right"), {"train": 160, "test": 40}, "generated from --seed",
        options={"n": 200, "noise": 0.3, "test_fraction": 0.2},
        loader=_synthetic(synthetic.gaussians)),
}


def dataset_info(name) -> DatasetInfo:
    """The ``DatasetInfo`` of ``name``, or a ConfigError listing the valid names."""
    key = str(name).strip().lower().replace("_", "-")
    if key not in DATASETS:
        raise unknown_name("dataset", name, DATASETS)
    return DATASETS[key]


def load(name, split: str = "train", data_dir=None, seed: int = 0, dtype=None, **kwargs) -> Dataset:
    """One split of dataset ``name`` as a ``Dataset``.

    Args:
        name: a key of ``DATASETS`` (``digits``, ``mnist``, ``fashion-mnist``, ``spiral``, ``sine``,
            ``xor``, ``circles``, ``gaussians``), or the path of a ``.npz`` file of your own arrays.
        split: ``"train"`` or ``"test"``.
        data_dir: folder holding the IDX files (mnist, fashion-mnist); ignored by the others.
        seed: the generator seed of the synthetic datasets; the real datasets' splits are fixed
            and ignore it.
        dtype: float32 (the default dtype) or float64.
        **kwargs: the dataset's ``options`` (``DATASETS[name].options``), e.g. ``noise=0.3`` for
            ``spiral`` or ``download=False`` for ``mnist``.
    """
    if split not in SPLITS:
        raise ConfigError(f"dataset split: expected one of {', '.join(SPLITS)}, got {split!r}")
    dtype = _check_dtype(dtype)
    if isinstance(name, os.PathLike) or str(name).lower().endswith(".npz"):
        if kwargs:
            raise ConfigError(f"dataset {os.fspath(name)!r}: a .npz file takes no options, "
                              f"got {', '.join(sorted(kwargs))}")
        return load_npz(name, split, dtype=dtype)
    info = dataset_info(name)
    unknown = sorted(set(kwargs) - set(info.options))
    if unknown:
        valid = ", ".join(sorted(info.options)) or "none"
        raise ConfigError(f"dataset {info.name!r}: unknown option {unknown[0]!r}; valid: {valid}")
    return info.loader(split, data_dir, seed, dtype, **kwargs)


def fetch(name, data_dir=None) -> None:
    """Download the files of dataset ``name`` that are missing (mnist, fashion-mnist), verified, into
    the folder ``load`` reads them from; the other datasets need no files and nothing is done.

    Under MPI, rank 0 calls it before the other ranks load the dataset (``distributed.root_first``),
    so that the job downloads once.
    """
    if isinstance(name, os.PathLike) or str(name).lower().endswith(".npz"):
        return
    info = dataset_info(name)
    if "download" in info.options:
        mnist.fetch_files(info.name, data_dir)


def load_splits(name, data_dir=None, seed: int = 0, dtype=None, **kwargs) -> tuple[Dataset, Dataset]:
    """``(train, test)`` of dataset ``name``; the arguments are those of ``load``."""
    return (load(name, "train", data_dir=data_dir, seed=seed, dtype=dtype, **kwargs),
            load(name, "test", data_dir=data_dir, seed=seed, dtype=dtype, **kwargs))


def _check_dtype(dtype) -> np.dtype:
    try:
        resolved = resolve_dtype(dtype)
    except TypeError:
        resolved = None
    if resolved not in (np.float32, np.float64):
        raise ConfigError(f"dataset dtype: expected float32 or float64, got {dtype!r}")
    return resolved
