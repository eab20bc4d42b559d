"""``DataLoader``: one epoch is one pass over every sample exactly once, in batches.

The order of epoch ``e`` is a pure function of ``(seed, e)``:
``np.random.default_rng([seed, e]).permutation(N)`` when shuffling, ``arange(N)`` otherwise.
Nothing else influences it, so a run resumed at epoch ``e``, batch ``k`` (``loader.epoch(e, k)``)
sees exactly the batches the uninterrupted run would have seen. No sampling with replacement:
a sample is never repeated or skipped within an epoch, and the last partial batch is kept unless
``drop_last`` is set. Each batch is ``x[idx], t[idx]`` for one index array ``idx``.

    loader = DataLoader(train, batch_size=100, shuffle=True, seed=0)
    for epoch in range(epochs):
        for x, t in loader.epoch(epoch):
            ...
"""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError
from .dataset import Dataset


class DataLoader:
    """Mini-batches of inputs and targets, one shuffled pass over the dataset per epoch.

    Args:
        dataset: a ``Dataset`` (anything with arrays ``x`` and ``t`` of the same length), or a
            tuple ``(x, t)``, which is wrapped in a ``Dataset`` (and so checked): integer labels
            stay ``int64`` (a classification dataset), float targets make a regression one.
        batch_size: samples per batch, a positive int.
        shuffle: a new permutation each epoch (from ``seed`` and the epoch number); if False the
            samples come in dataset order.
        drop_last: drop the last batch when it is smaller than ``batch_size``.
        seed: a non-negative int; with the epoch number it fixes every epoch's order.

    ``len(loader)`` is the number of batches per epoch. ``loader.epoch(e, start=k)`` yields the
    batches of epoch ``e`` from batch ``k`` on. ``iter(loader)`` runs epoch ``current_epoch`` and
    advances ``current_epoch`` by one at that moment (set it to resume).
    """

    def __init__(self, dataset, batch_size: int, shuffle: bool = True, drop_last: bool = False,
                 seed: int = 0):
        if isinstance(dataset, (tuple, list)) and len(dataset) == 2:
            dataset = Dataset(*dataset)
        if not (hasattr(dataset, "x") and hasattr(dataset, "t")):
            raise ConfigError(f"DataLoader: expected a Dataset or an (x, t) tuple, "
                              f"got {type(dataset).__name__}")
        if len(dataset.x) != len(dataset.t):
            raise ConfigError(f"DataLoader: x has {len(dataset.x)} samples but t has {len(dataset.t)}")
        self.dataset = dataset
        self.batch_size = _non_negative_int("batch_size", batch_size, positive=True)
        self.seed = _non_negative_int("seed", seed)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.current_epoch = 0

    @property
    def num_samples(self) -> int:
        """Samples in the dataset (the samples per epoch are fewer when ``drop_last`` drops some)."""
        return len(self.dataset.x)

    def __len__(self) -> int:
        """Batches per epoch."""
        n, b = self.num_samples, self.batch_size
        return n // b if self.drop_last else -(-n // b)

    def order(self, epoch: int) -> np.ndarray:
        """The sample indices of epoch ``epoch``, in the order they are served."""
        epoch = _non_negative_int("epoch", epoch)
        if not self.shuffle:
            return np.arange(self.num_samples)
        return np.random.default_rng([self.seed, epoch]).permutation(self.num_samples)

    def epoch(self, epoch: int, start: int = 0):
        """Yield the batches ``(x, t)`` of epoch ``epoch``, beginning with batch number ``start``."""
        start = _non_negative_int("start", start)
        if start > len(self):
            raise ConfigError(f"DataLoader: start batch {start} is past the end of the epoch "
                              f"({len(self)} batches)")
        order = self.order(epoch)
        return self._batches(order, start)

    def _batches(self, order: np.ndarray, start: int):
        x, t, b = self.dataset.x, self.dataset.t, self.batch_size
        for k in range(start, len(self)):
            idx = order[k * b:(k + 1) * b]
            yield x[idx], t[idx]

    def __iter__(self):
        e = self.current_epoch
        self.current_epoch += 1
        return self.epoch(e)

    def __repr__(self) -> str:
        return (f"DataLoader({getattr(self.dataset, 'name', 'dataset')!r}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last}, seed={self.seed}, "
                f"{len(self)} batches/epoch)")


def _non_negative_int(option: str, value, positive: bool = False) -> int:
    """``value`` as an int, or a ConfigError naming ``option`` when it is not a (positive) int."""
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if not ok or value < (1 if positive else 0):
        need = "a positive int" if positive else "a non-negative int"
        raise ConfigError(f"DataLoader: {option} must be {need}, got {value!r}")
    return int(value)
