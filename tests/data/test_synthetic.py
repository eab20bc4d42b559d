"""spiral, sine, xor, circles and gaussians: the documented formulas, seeded determinism and a clean
train/test split."""

import numpy as np
import pytest

from scratchdl.data import load, load_splits
from scratchdl.data.synthetic import circles, gaussians, sine, spiral, xor
from scratchdl.errors import ConfigError


def rows(ds):
    """The samples of ``ds`` as a set of (inputs..., target...) tuples."""
    return {tuple(r) for r in np.concatenate([ds.x, ds.t.reshape(len(ds), -1)], axis=1).tolist()}


@pytest.mark.parametrize("name", ["spiral", "sine", "xor", "circles", "gaussians"])
def test_same_seed_same_data_other_seed_other_data(name):
    a, b = load_splits(name, seed=7), load_splits(name, seed=7)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u.x, v.x)
        np.testing.assert_array_equal(u.t, v.t)
    c = load(name, seed=8)
    assert c.x.shape == a[0].x.shape and not np.array_equal(c.x, a[0].x)


@pytest.mark.parametrize("name", ["spiral", "sine", "xor", "circles", "gaussians"])
def test_split_is_disjoint_and_20_percent(name):
    train, test = load_splits(name, seed=1)
    total = len(train) + len(test)
    assert len(test) == round(0.2 * total)
    assert len(rows(train)) == len(train) and not rows(train) & rows(test)
    assert (train.split, test.split) == ("train", "test")


@pytest.mark.parametrize("name", ["spiral", "sine", "xor", "circles", "gaussians"])
def test_float64_holds_the_same_points(name):
    a, b = load(name, seed=2), load(name, seed=2, dtype="float64")
    assert a.x.dtype == np.float32 and b.x.dtype == np.float64
    np.testing.assert_array_equal(a.x, b.x.astype(np.float32))


def test_spiral_follows_its_formula():
    k, n = 4, 50
    train, test = (spiral(s, seed=0, n_per_class=n, num_classes=k, noise=0.0) for s in ("train", "test"))
    x = np.concatenate([train.x, test.x]).astype(np.float64)
    t = np.concatenate([train.t, test.t])
    assert train.x.shape[1:] == (2,) and train.num_classes == k and t.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(t), [n] * k)
    r = np.hypot(x[:, 0], x[:, 1])
    theta = t * 2 * np.pi / k + 4 * r
    np.testing.assert_allclose(x, np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1), atol=1e-6)
    assert r.max() <= 1 + 1e-6


def test_spiral_options_through_load():
    ds = load("spiral", n_per_class=20, num_classes=5, noise=0.5, test_fraction=0.25)
    assert len(ds) == 75 and ds.num_classes == 5 and len(ds.classes) == 5
    assert len(load("spiral")) == 240 and len(load("spiral", split="test")) == 60


def test_sine_is_regression_with_sin_targets():
    train = sine("train", seed=0, n=100, noise=0.0, low=-2.0, high=3.0)
    assert train.num_classes is None and train.classes is None
    assert train.x.shape == (80, 1) and train.t.shape == (80, 1)
    assert train.x.dtype == train.t.dtype == np.float32
    assert train.x.min() >= -2.0 and train.x.max() <= 3.0
    np.testing.assert_allclose(train.t, np.sin(train.x), atol=1e-6)
    noisy = sine("train", seed=0, n=100, noise=0.3, low=-2.0, high=3.0)
    residual = noisy.t - np.sin(noisy.x)
    assert 0.15 < residual.std() < 0.45


def test_xor_labels_are_the_xor_of_signs():
    ds = xor("train", seed=0, n=400, noise=0.0)
    assert ds.num_classes == 2 and ds.x.shape == (320, 2)
    np.testing.assert_array_equal(ds.t, ((ds.x[:, 0] > 0) != (ds.x[:, 1] > 0)).astype(np.int64))
    assert 0.35 < ds.t.mean() < 0.65
    noisy = xor("train", seed=0, n=400, noise=0.3)
    assert (noisy.t != ((noisy.x[:, 0] > 0) != (noisy.x[:, 1] > 0))).any()


def test_circles_is_a_disk_inside_a_ring():
    train, test = (circles(s, seed=0, n=400, noise=0.0) for s in ("train", "test"))
    x, t = np.concatenate([train.x, test.x]), np.concatenate([train.t, test.t])
    r = np.hypot(x[:, 0], x[:, 1])
    np.testing.assert_array_equal(np.bincount(t), [200, 200])
    assert r[t == 0].max() <= 0.5 + 1e-6 and r[t == 1].min() >= 0.7 - 1e-6 and r.max() <= 1 + 1e-6
    noisy = circles("train", seed=0, n=400, noise=0.2)
    assert np.hypot(*noisy.x[noisy.t == 0].T).max() > 0.5


def test_gaussians_are_two_blobs_of_std_noise():
    ds = gaussians("train", seed=0, n=4000, noise=0.3)
    assert ds.num_classes == 2 and ds.x.shape == (3200, 2)
    for label, centre in enumerate([(-0.5, -0.5), (0.5, 0.5)]):
        blob = ds.x[ds.t == label].astype(np.float64)
        np.testing.assert_allclose(blob.mean(axis=0), centre, atol=0.03)
        np.testing.assert_allclose(blob.std(axis=0), [0.3, 0.3], atol=0.03)


@pytest.mark.parametrize(("name", "options", "message"), [
    ("spiral", {"n_per_class": 0}, "n_per_class must be a positive int"),
    ("spiral", {"noise": -0.1}, "noise must be a finite number >= 0"),
    ("sine", {"n": 2.5}, "n must be a positive int"),
    ("sine", {"low": 1.0, "high": 0.0}, "low < high"),
    ("xor", {"test_fraction": 1.5}, r"test_fraction must be a number in \(0, 1\)"),
    ("xor", {"n": 3, "test_fraction": 0.1}, "empty test split"),
    ("xor", {"noise": float("nan")}, "noise"),
    ("circles", {"n": 0}, "circles: n must be a positive int"),
    ("gaussians", {"noise": -1.0}, "gaussians: noise must be a finite number >= 0"),
    ("spiral", {"radius": 2}, "unknown option 'radius'; valid: n_per_class, noise, num_classes"),
])
def test_bad_options(name, options, message):
    with pytest.raises(ConfigError, match=message):
        load(name, **options)


@pytest.mark.parametrize("seed", [-1, 1.5, "0"])
def test_bad_seed(seed):
    with pytest.raises(ConfigError, match="seed must be a non-negative int"):
        load("spiral", seed=seed)
