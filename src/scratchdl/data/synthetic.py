"""Synthetic datasets generated from a seed: ``spiral``, ``sine``, ``xor``, ``circles`` and ``gaussians``.

Each generator draws every sample from ``np.random.default_rng(seed)`` (in float64, then cast to
the requested dtype, so float32 and float64 runs see the same points), then splits them with a
permutation from the same generator: a ``test_fraction`` share (default 20%) is the test split,
the rest the train split, each kept in generation order. Same seed and options, same data and
same split, on any machine.

- ``spiral``: ``num_classes`` interleaved arms in the plane (CS231n's toy problem): arm ``j`` at
  radius ``r`` in [0, 1] and angle ``2*pi*j/num_classes + 4*r + noise*N(0, 1)``; inputs ``(N, 2)``.
- ``sine``: regression, ``t = sin(x) + noise*N(0, 1)`` for ``x`` uniform in ``[low, high]``;
  inputs ``(N, 1)``, float targets ``(N, 1)``.
- ``xor``: ``x`` uniform in ``[-1, 1]^2``, label 1 when the signs of the two coordinates differ,
  then ``noise*N(0, 1)`` added to ``x`` (so labels near the axes overlap); inputs ``(N, 2)``.
- ``circles``: a disk inside a ring (TensorFlow Playground's "circle"): half the points (label 0)
  at radius uniform in ``[0, 0.5]``, half (label 1) at radius uniform in ``[0.7, 1]``, angles
  uniform, then ``noise*N(0, 1)`` added to ``x``; inputs ``(N, 2)``.
- ``gaussians``: two Gaussian blobs, label 0 around ``(-0.5, -0.5)`` and label 1 around
  ``(0.5, 0.5)``, each point ``centre + noise*N(0, I)``; inputs ``(N, 2)``.
"""

from __future__ import annotations

import math

import numpy as np

from ..backend import resolve_dtype
from ..errors import ConfigError
from .dataset import Dataset


def spiral(split: str = "train", seed: int = 0, dtype=None, n_per_class: int = 100,
           num_classes: int = 3, noise: float = 0.2, test_fraction: float = 0.2) -> Dataset:
    """The ``split`` of a ``num_classes``-arm spiral with ``n_per_class`` points per arm."""
    n = _positive_int("spiral", "n_per_class", n_per_class)
    k = _positive_int("spiral", "num_classes", num_classes)
    noise = _non_negative("spiral", "noise", noise)
    rng = _rng("spiral", seed)
    r = np.tile(np.linspace(0.0, 1.0, n), k)
    t = np.repeat(np.arange(k, dtype=np.int64), n)
    theta = t * (2 * math.pi / k) + 4.0 * r + noise * rng.standard_normal(n * k)
    x = np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1)
    idx = _split("spiral", rng, n * k, test_fraction)[split]
    return Dataset(x[idx], t[idx], name="spiral", classes=[str(c) for c in range(k)],
                   dtype=resolve_dtype(dtype), split=split)


def sine(split: str = "train", seed: int = 0, dtype=None, n: int = 200, noise: float = 0.1,
         low: float = -math.pi, high: float = math.pi, test_fraction: float = 0.2) -> Dataset:
    """The ``split`` of ``n`` points ``(x, sin(x) + noise)`` with ``x`` uniform in ``[low, high]``."""
    n = _positive_int("sine", "n", n)
    noise = _non_negative("sine", "noise", noise)
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ConfigError(f"sine: expected finite low < high, got low={low!r}, high={high!r}")
    rng = _rng("sine", seed)
    x = rng.uniform(low, high, size=(n, 1))
    t = np.sin(x) + noise * rng.standard_normal((n, 1))
    idx = _split("sine", rng, n, test_fraction)[split]
    return Dataset(x[idx], t[idx], name="sine", dtype=resolve_dtype(dtype), split=split)


def xor(split: str = "train", seed: int = 0, dtype=None, n: int = 200, noise: float = 0.1,
        test_fraction: float = 0.2) -> Dataset:
    """The ``split`` of ``n`` points in the plane labelled by the XOR of their coordinates' signs."""
    n = _positive_int("xor", "n", n)
    noise = _non_negative("xor", "noise", noise)
    rng = _rng("xor", seed)
    x = rng.uniform(-1.0, 1.0, size=(n, 2))
    t = ((x[:, 0] > 0) != (x[:, 1] > 0)).astype(np.int64)
    x = x + noise * rng.standard_normal((n, 2))
    idx = _split("xor", rng, n, test_fraction)[split]
    return Dataset(x[idx], t[idx], name="xor", classes=["same sign", "different sign"],
                   dtype=resolve_dtype(dtype), split=split)


def circles(split: str = "train", seed: int = 0, dtype=None, n: int = 200, noise: float = 0.05,
            test_fraction: float = 0.2) -> Dataset:
    """The ``split`` of ``n`` points: a disk of radius 0.5 (label 0) inside a ring 0.7-1 (label 1)."""
    n = _positive_int("circles", "n", n)
    noise = _non_negative("circles", "noise", noise)
    rng = _rng("circles", seed)
    t = (np.arange(n) >= n // 2).astype(np.int64)
    r = np.where(t == 0, rng.uniform(0.0, 0.5, n), rng.uniform(0.7, 1.0, n))
    angle = rng.uniform(0.0, 2 * math.pi, n)
    x = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1) + noise * rng.standard_normal((n, 2))
    idx = _split("circles", rng, n, test_fraction)[split]
    return Dataset(x[idx], t[idx], name="circles", classes=["inside", "outside"],
                   dtype=resolve_dtype(dtype), split=split)


GAUSSIAN_CENTRES = np.array([[-0.5, -0.5], [0.5, 0.5]])


def gaussians(split: str = "train", seed: int = 0, dtype=None, n: int = 200, noise: float = 0.3,
              test_fraction: float = 0.2) -> Dataset:
    """The ``split`` of ``n`` points from two Gaussian blobs of standard deviation ``noise``."""
    n = _positive_int("gaussians", "n", n)
    noise = _non_negative("gaussians", "noise", noise)
    rng = _rng("gaussians", seed)
    t = (np.arange(n) >= n // 2).astype(np.int64)
    x = GAUSSIAN_CENTRES[t] + noise * rng.standard_normal((n, 2))
    idx = _split("gaussians", rng, n, test_fraction)[split]
    return Dataset(x[idx], t[idx], name="gaussians", classes=["lower left", "upper right"],
                   dtype=resolve_dtype(dtype), split=split)


def _split(name: str, rng: np.random.Generator, n: int, test_fraction) -> dict:
    """``{"train": idx, "test": idx}``: a random ``test_fraction`` of ``range(n)`` is the test split."""
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, (int, float)) \
            or not 0 < test_fraction < 1:
        raise ConfigError(f"{name}: test_fraction must be a number in (0, 1), got {test_fraction!r}")
    n_test = round(n * test_fraction)
    if not 0 < n_test < n:
        raise ConfigError(f"{name}: test_fraction={test_fraction} of {n} samples leaves an empty "
                          f"{'test' if n_test == 0 else 'train'} split; generate more samples")
    perm = rng.permutation(n)
    return {"test": np.sort(perm[:n_test]), "train": np.sort(perm[n_test:])}


def _rng(name: str, seed) -> np.random.Generator:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(f"{name}: seed must be a non-negative int, got {seed!r}")
    return np.random.default_rng(int(seed))


def _positive_int(name: str, option: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ConfigError(f"{name}: {option} must be a positive int, got {value!r}")
    return int(value)


def _non_negative(name: str, option: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (value >= 0) \
            or not math.isfinite(value):
        raise ConfigError(f"{name}: {option} must be a finite number >= 0, got {value!r}")
    return float(value)
