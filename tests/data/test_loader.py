"""DataLoader: every sample exactly once per epoch, order a pure function of (seed, epoch), exact resume."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scratchdl.data import DataLoader, Dataset
from scratchdl.errors import ConfigError, DataError


def numbered(n, dtype=np.float32):
    """A dataset whose sample i has x = [i, -i] and label i, so batches reveal their indices."""
    i = np.arange(n)
    return Dataset(np.stack([i, -i], axis=1).astype(dtype), i, name="numbered", num_classes=max(n, 1))


def served(loader, epoch, start=0):
    """The labels (= sample indices) of each batch of ``epoch``, checking x matches t."""
    out = []
    for x, t in loader.epoch(epoch, start):
        assert t.dtype == np.int64 and x.dtype == np.float32
        np.testing.assert_array_equal(x[:, 0], t)
        out.append(t)
    return out


@settings(max_examples=80, deadline=None)
@given(n=st.integers(1, 150), batch_size=st.integers(1, 70), shuffle=st.booleans(),
       seed=st.integers(0, 2**63), epoch=st.integers(0, 1000))
def test_every_sample_exactly_once(n, batch_size, shuffle, seed, epoch):
    loader = DataLoader(numbered(n), batch_size, shuffle=shuffle, seed=seed)
    batches = served(loader, epoch)
    assert len(batches) == len(loader) == -(-n // batch_size)
    assert all(len(b) == batch_size for b in batches[:-1])
    assert 1 <= len(batches[-1]) <= batch_size
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(n))


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 150), batch_size=st.integers(1, 70), seed=st.integers(0, 1000),
       epoch=st.integers(0, 50))
def test_drop_last(n, batch_size, seed, epoch):
    loader = DataLoader(numbered(n), batch_size, drop_last=True, seed=seed)
    batches = served(loader, epoch)
    assert len(batches) == len(loader) == n // batch_size
    assert all(len(b) == batch_size for b in batches)
    kept = np.concatenate(batches) if batches else np.array([], dtype=np.int64)
    assert len(np.unique(kept)) == len(kept) == (n // batch_size) * batch_size
    # the dropped samples are the tail of this epoch's order, not a fixed set
    np.testing.assert_array_equal(kept, loader.order(epoch)[:len(kept)])


def test_order_is_the_documented_pure_function_of_seed_and_epoch():
    n = 97
    a, b = DataLoader(numbered(n), 10, seed=42), DataLoader(numbered(n), 10, seed=42)
    for e in (0, 1, 7):
        expected = np.random.default_rng([42, e]).permutation(n)
        np.testing.assert_array_equal(a.order(e), expected)
        np.testing.assert_array_equal(np.concatenate(served(b, e)), expected)
    # other epochs and other seeds give other orders
    assert not np.array_equal(a.order(0), a.order(1))
    assert not np.array_equal(a.order(0), DataLoader(numbered(n), 10, seed=43).order(0))


def test_order_does_not_depend_on_history_or_global_rng():
    loader = DataLoader(numbered(50), 8, seed=3)
    first = served(loader, 5)
    np.random.seed(123)  # noqa: NPY002 - the legacy global state must not matter
    for e in range(5):
        served(loader, e)
    again = served(DataLoader(numbered(50), 8, seed=3), 5)
    for x, y in zip(first, again, strict=True):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize(("n", "batch_size", "drop_last"), [(100, 10, False), (103, 10, False),
                                                            (103, 10, True), (7, 3, False), (5, 8, False)])
def test_epoch_start_is_the_tail_of_the_full_epoch(n, batch_size, drop_last):
    loader = DataLoader(numbered(n), batch_size, drop_last=drop_last, seed=9)
    full = served(loader, 4)
    for k in range(len(loader) + 1):
        tail = served(loader, 4, start=k)
        assert len(tail) == len(full) - k
        for x, y in zip(tail, full[k:], strict=True):
            np.testing.assert_array_equal(x, y)


def test_iter_runs_current_epoch_and_advances_it():
    loader = DataLoader(numbered(30), 7, seed=1)
    assert loader.current_epoch == 0
    first = [t for _, t in loader]
    assert loader.current_epoch == 1
    second = [t for _, t in loader]
    assert loader.current_epoch == 2
    np.testing.assert_array_equal(np.concatenate(first), loader.order(0))
    np.testing.assert_array_equal(np.concatenate(second), loader.order(1))
    loader.current_epoch = 5  # resume
    np.testing.assert_array_equal(np.concatenate([t for _, t in loader]), loader.order(5))


def test_no_shuffle_keeps_dataset_order():
    loader = DataLoader(numbered(23), 5, shuffle=False)
    for e in (0, 3):
        np.testing.assert_array_equal(np.concatenate(served(loader, e)), np.arange(23))


def test_accepts_an_x_t_tuple_and_checks_it():
    x = np.zeros((10, 3), dtype=np.float32)
    loader = DataLoader((x, np.arange(10.0)), 4)
    assert [len(t) for _, t in loader.epoch(0)] == [4, 4, 2]
    x[3, 1] = np.nan
    with pytest.raises(DataError, match=r"x\[3\] contains NaN"):
        DataLoader((x, np.arange(10.0)), 4)


def test_float64_batches_keep_their_dtype():
    loader = DataLoader(numbered(10, dtype=np.float64), 4)
    x, t = next(iter(loader))
    assert x.dtype == np.float64 and t.dtype == np.int64


@pytest.mark.parametrize("bad", [0, -1, 2.0, "8", True, None])
def test_bad_batch_size(bad):
    with pytest.raises(ConfigError, match="batch_size must be a positive int"):
        DataLoader(numbered(10), bad)


def test_bad_seed_epoch_and_start():
    with pytest.raises(ConfigError, match="seed"):
        DataLoader(numbered(10), 2, seed=-1)
    loader = DataLoader(numbered(10), 3)
    with pytest.raises(ConfigError, match="epoch"):
        loader.epoch(-1)
    with pytest.raises(ConfigError, match="start batch 5 is past the end"):
        loader.epoch(0, start=5)
    with pytest.raises(ConfigError, match="start"):
        loader.epoch(0, start=-1)


def test_not_a_dataset():
    with pytest.raises(ConfigError, match="expected a Dataset"):
        DataLoader([1, 2, 3], 2)


# ---- a tuple (x, t) of the learner's own arrays --------------------------------------------------
@pytest.mark.parametrize("label_dtype", [np.int64, np.int32, np.uint8])
def test_tuple_with_integer_labels_keeps_them_integer(label_dtype):
    """As PyTorch's TensorDataset: integer labels are labels, not float regression targets."""
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((50, 4)).astype(np.float32), rng.integers(0, 3, 50).astype(label_dtype)
    loader = DataLoader((x, t), batch_size=10, shuffle=False)
    assert loader.dataset.num_classes == 3
    xb, tb = next(iter(loader))
    assert tb.dtype == np.int64 and xb.dtype == np.float32
    np.testing.assert_array_equal(tb, t[:10])
    from scratchdl import nn

    loss = nn.CrossEntropyLoss()(np.zeros((10, 3), np.float32), tb)  # the labels reach the loss as labels
    assert np.isclose(loss, np.log(3))


def test_tuple_or_list_with_float_targets_is_regression():
    x, t = np.zeros((6, 2)), np.linspace(0, 1, 6)
    for pair in ((x, t), [x, t]):
        loader = DataLoader(pair, batch_size=3)
        assert loader.dataset.num_classes is None
        assert next(iter(loader))[1].dtype == np.float64


def test_dataset_with_integer_labels_and_no_num_classes_is_classification():
    ds = Dataset(np.zeros((4, 2), np.float32), np.array([0, 2, 1, 2]))
    assert ds.num_classes == 3 and ds.t.dtype == np.int64
    assert Dataset(np.zeros((4, 2)), np.array([0, 2, 1, 2]), num_classes=5).num_classes == 5
    with pytest.raises(DataError, match=r"t\[1\] = -1 is outside"):
        Dataset(np.zeros((3, 2)), np.array([0, -1, 1]))
