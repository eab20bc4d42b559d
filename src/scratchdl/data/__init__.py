"""Datasets and the DataLoader.

Public API:

- ``Dataset(x, t, name, num_classes=None, classes=None, dtype=None, split=None)``: inputs ``x``
  (float, ``(N, C, H, W)`` or ``(N, features)``) and targets ``t`` (integer labels, kept ``int64``,
  or float regression targets), validated once (lengths, NaN/Inf, label range -> ``DataError``).
  ``len(ds)``, ``ds[i]`` / ``ds[slice]`` / ``ds[index_array]`` -> ``(x, t)``; attributes ``name``,
  ``split``, ``num_classes`` (None for regression), ``classes``, ``input_shape``;
  ``ds.subset(indices)``.
- ``DataLoader(dataset, batch_size, shuffle=True, drop_last=False, seed=0)``: ``dataset`` is a
  ``Dataset`` or a tuple ``(x, t)`` (integer ``t`` stays integer); one epoch is one
  pass over every sample exactly once; epoch ``e``'s order is
  ``np.random.default_rng([seed, e]).permutation(N)``. ``len(loader)`` batches per epoch;
  ``loader.epoch(e, start=k)`` yields epoch ``e`` from batch ``k`` (exact resume);
  ``iter(loader)`` runs epoch ``loader.current_epoch`` and advances it; ``loader.order(e)``.
- ``load(name, split="train", data_dir=None, seed=0, dtype=None, **options) -> Dataset`` and
  ``load_splits(name, ...) -> (train, test)``; ``fetch(name, data_dir=None)`` downloads the files of
  ``name`` that are missing (mnist, fashion-mnist) without loading them.
- ``DATASETS``: name -> ``DatasetInfo`` (``description``, ``input_shape``, ``num_classes``,
  ``classes``, ``sizes``, ``source``, ``options``); ``dataset_info(name)``.
- ``read_idx(path)``: an IDX file (raw or .gz) as an array; ``cache_dir(name)``: where downloads go.

Datasets: ``digits`` (scikit-learn's 8x8 digits, offline, fixed stratified 80/20 split),
``mnist`` and ``fashion-mnist`` (IDX files from ``data_dir``, ``$SCRATCHDL_DATA_DIR`` or the cache
``~/.cache/scratchdl/<name>``, downloaded and SHA-256-verified on first use when the network
allows, never at import time), and the synthetic ``spiral``, ``sine`` (regression), ``xor``,
``circles`` and ``gaussians``, generated from ``seed``. A path ending in ``.npz`` loads your own
arrays. All return float32 by default (``dtype=float64`` on request) and ``int64`` labels.
"""

from .dataset import Dataset
from .download import cache_dir
from .idx import read_idx
from .loader import DataLoader
from .registry import DATASETS, DatasetInfo, dataset_info, fetch, load, load_splits

__all__ = [
    "DATASETS", "DataLoader", "Dataset", "DatasetInfo", "cache_dir", "dataset_info", "fetch", "load",
    "load_splits", "read_idx",
]
