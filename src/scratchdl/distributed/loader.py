"""``ShardedLoader``: each rank reads only its share of every global batch.

Every rank draws the same global order of epoch ``e`` (``DataLoader.order``: a pure function of
``(seed, e)``) and cuts the same global batches of ``batch_size`` samples; rank ``r`` of ``N``
takes the contiguous slice ``[r*b // N, (r+1)*b // N)`` of each global batch of ``b`` samples.
The shares of a batch tile it, so every sample of an epoch is read exactly once by exactly one
rank, and batch ``k`` is the same set of samples at any ``N``: a run resumed at epoch ``e``,
batch ``k`` may use another number of processes. Shares differ by at most one sample
(5 over 2 ranks: 2 and 3); the gradient all-reduce weights each rank by its share.
"""

from __future__ import annotations

from ..data import DataLoader
from ..errors import ConfigError, StateError


def shard_bounds(batch: int, rank: int, size: int) -> tuple[int, int]:
    """``(start, stop)`` of rank ``rank``'s share of a global batch of ``batch`` samples."""
    return rank * batch // size, (rank + 1) * batch // size


def check_batch_size(batch_size: int, num_samples: int, size: int, drop_last: bool = False) -> None:
    """Every rank must get at least one sample of every global batch, the last one included.

    A rank with no sample would have no loss to average; rather than special-case it, such a
    batch size is refused: ``ConfigError`` naming the sizes and what would work.
    """
    if size <= 1:
        return
    if batch_size < size:
        raise ConfigError(f"--batch-size {batch_size} is smaller than the {size} processes: it is the "
                          f"global batch, split among them; use at least {size}")
    last = num_samples % batch_size
    if last and last < size and not drop_last:
        raise ConfigError(f"--batch-size {batch_size}: the last batch of each epoch has {last} of the "
                          f"{num_samples} samples, fewer than the {size} processes; choose a batch size "
                          f"that divides {num_samples} or leaves a last batch of at least {size}")


def check_global_batch(n: int, n_global: int | None) -> None:
    """The ranks' shares of one step, summed to ``n`` by the all-reduce, must make the global batch
    ``n_global`` when it is known; ``StateError`` otherwise (the ranks are at different steps)."""
    if n_global and n != n_global:
        raise StateError(f"GradientReducer: the ranks' batches sum to {n} samples, not the {n_global} "
                         "expected: the ranks are at different steps")


class ShardedLoader(DataLoader):
    """A ``DataLoader`` whose batches are this rank's shares of the global batches.

    ``batch_size`` is the global batch; ``len(loader)`` is the number of global batches per epoch,
    the same on every rank. ``rank`` and ``size`` default to the world's (each one not given).
    """

    def __init__(self, dataset, batch_size: int, shuffle: bool = True, drop_last: bool = False,
                 seed: int = 0, rank: int | None = None, size: int | None = None):
        super().__init__(dataset, batch_size, shuffle=shuffle, drop_last=drop_last, seed=seed)
        if rank is None or size is None:
            from .comm import world

            comm = world()
            rank = comm.rank if rank is None else rank
            size = comm.size if size is None else size
        if not 0 <= rank < size:
            raise ConfigError(f"ShardedLoader: rank must be in [0, {size}), got {rank}")
        self.rank, self.size = int(rank), int(size)
        check_batch_size(self.batch_size, self.num_samples, self.size, self.drop_last)

    def global_batch(self, k: int) -> int:
        """The number of samples in global batch ``k`` (all ranks' shares together)."""
        return min(self.batch_size, self.num_samples - k * self.batch_size)

    def _batches(self, order, start):
        x, t, b = self.dataset.x, self.dataset.t, self.batch_size
        for k in range(start, len(self)):
            batch = order[k * b:(k + 1) * b]
            lo, hi = shard_bounds(len(batch), self.rank, self.size)
            idx = batch[lo:hi]
            yield x[idx], t[idx]

    def __repr__(self) -> str:
        return super().__repr__().replace("DataLoader(", f"ShardedLoader(rank {self.rank}/{self.size}, ", 1)
