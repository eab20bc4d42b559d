"""The sharded loader: every sample exactly once per epoch, the same global batches at any N."""

import numpy as np
import pytest

from scratchdl.data import DataLoader, Dataset
from scratchdl.distributed import ShardedLoader, check_batch_size, shard_bounds
from scratchdl.errors import ConfigError


def dataset(n):
    return Dataset(np.arange(n, dtype=np.float32).reshape(n, 1), np.zeros(n, dtype=np.int64), name="ids")


def test_shares_tile_the_batch_and_differ_by_at_most_one():
    for batch in range(1, 40):
        for size in range(1, batch + 1):
            bounds = [shard_bounds(batch, r, size) for r in range(size)]
            assert bounds[0][0] == 0 and bounds[-1][1] == batch
            assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:], strict=False))
            counts = [hi - lo for lo, hi in bounds]
            assert max(counts) - min(counts) <= 1 and min(counts) >= 1
    assert shard_bounds(5, 0, 2) == (0, 2) and shard_bounds(5, 1, 2) == (2, 5)


@pytest.mark.parametrize(("n", "batch", "size"),
                         [(23, 5, 2), (240, 11, 2), (100, 10, 3), (40, 9, 4), (8, 8, 1)])
def test_every_sample_once_per_epoch_and_same_global_batches(n, batch, size):
    single = DataLoader(dataset(n), batch_size=batch, seed=3)
    shards = [ShardedLoader(dataset(n), batch_size=batch, seed=3, rank=r, size=size) for r in range(size)]
    assert all(len(s) == len(single) for s in shards)
    for epoch in range(3):
        per_rank = [[x[:, 0].astype(int) for x, _ in s.epoch(epoch)] for s in shards]
        seen = np.concatenate([np.concatenate(p) for p in per_rank])
        assert sorted(seen.tolist()) == list(range(n))  # each sample exactly once
        for k, (x, _) in enumerate(single.epoch(epoch)):  # batch k: the ranks' shares, in rank order
            np.testing.assert_array_equal(np.concatenate([p[k] for p in per_rank]), x[:, 0].astype(int))
            assert shards[0].global_batch(k) == len(x)


def test_resume_start_is_a_global_batch_number():
    loader = ShardedLoader(dataset(51), batch_size=7, seed=1, rank=1, size=2)
    full = [x[:, 0].tolist() for x, _ in loader.epoch(2)]
    assert [x[:, 0].tolist() for x, _ in loader.epoch(2, start=4)] == full[4:]


def test_batch_sizes_that_leave_a_rank_without_samples_are_refused():
    with pytest.raises(ConfigError, match="--batch-size 1 is smaller than the 2 processes"):
        check_batch_size(1, 100, 2)
    with pytest.raises(ConfigError, match="last batch of each epoch has 1 of the 9 samples"):
        ShardedLoader(dataset(9), batch_size=4, rank=0, size=2)
    check_batch_size(4, 9, 2, drop_last=True)
    check_batch_size(1, 9, 1)
    with pytest.raises(ConfigError, match="rank must be in"):
        ShardedLoader(dataset(9), batch_size=3, rank=2, size=2)


def test_a_printed_loader_says_its_rank():
    assert repr(ShardedLoader(dataset(10), batch_size=4, rank=1, size=2)) == (
        "ShardedLoader(rank 1/2, 'ids', batch_size=4, shuffle=True, drop_last=False, seed=0, "
        "3 batches/epoch)")


def test_rank_and_size_not_given_are_the_worlds():
    one = ShardedLoader(dataset(10), batch_size=4)  # one process: the whole batches
    assert (one.rank, one.size) == (0, 1)
    assert [len(x) for x, _ in one.epoch(0)] == [4, 4, 2]
    half = ShardedLoader(dataset(10), batch_size=4, size=2)  # this process as rank 0 of 2
    assert (half.rank, half.size) == (0, 2) and [len(x) for x, _ in half.epoch(0)] == [2, 2, 1]
    with pytest.raises(ConfigError, match=r"rank must be in \[0, 1\), got 1"):
        ShardedLoader(dataset(10), batch_size=4, rank=1)  # not rank 0's share in a world of one


def test_drop_last_drops_a_last_batch_too_small_to_share():
    with pytest.raises(ConfigError, match="the last batch of each epoch has 1 of the 9 samples"):
        ShardedLoader(dataset(9), batch_size=4, rank=0, size=2)
    shards = [ShardedLoader(dataset(9), batch_size=4, drop_last=True, rank=r, size=2) for r in range(2)]
    assert [[len(x) for x, _ in s.epoch(0)] for s in shards] == [[2, 2], [2, 2]]


def test_the_batch_size_a_job_may_use():
    check_batch_size(2, 10, 2)  # one sample per rank and batch is enough
    check_batch_size(3, 10, 1)  # one process: anything
    with pytest.raises(ConfigError, match="--batch-size 1 is smaller than the 2 processes"):
        check_batch_size(1, 10, 2)
    with pytest.raises(ConfigError, match="the last batch of each epoch has 1 of the 9 samples"):
        check_batch_size(4, 9, 2)  # the last batch is kept unless drop_last says otherwise
    check_batch_size(4, 9, 2, drop_last=True)


def test_without_shuffling_the_shares_come_in_order():
    shards = [ShardedLoader(dataset(8), batch_size=4, shuffle=False, rank=r, size=2) for r in range(2)]
    assert [[x[:, 0].tolist() for x, _ in s.epoch(0)] for s in shards] == [[[0, 1], [4, 5]], [[2, 3], [6, 7]]]
