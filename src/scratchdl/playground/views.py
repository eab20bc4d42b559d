r"""What the playground page draws, measured on the network itself (in evaluation mode).

- ``boundary``: the class probabilities (softmax of the scores) on a ``BOUNDARY_SIZE``-square grid
  over ``[-extent, extent]^2``, row 0 at the top; each probability as a byte (``round(255 p)``).
- ``layer_stats``: per Linear layer, the mean gradient norm :math:`\|\partial L/\partial W\|_F` of
  the last epoch; per hidden layer, from the training inputs, a histogram of its activation's
  outputs, the share of (sample, unit) pairs whose activation is *saturated* -- its local
  derivative :math:`f'(z)` below ``SATURATION`` (a tenth) of the largest :math:`f'` can be
  (sigmoid: 0.25, so :math:`f' < 0.025`; tanh: 1; ReLU: 1, so every negative input) -- and the
  share of *dead* units, saturated for every training sample (for ReLU: the unit outputs 0 for
  every sample, so no gradient ever reaches its weights).
- ``unit_maps``: each hidden unit's output on a ``UNIT_SIZE``-square grid, scaled by the largest
  magnitude in its layer to [-1, 1] and stored as a byte (``round(127.5 (v + 1))``).

The local derivative is what the activation layer's own ``backward`` returns for an upstream
gradient of ones: the page shows the library's arithmetic, not a second formula.
Byte arrays travel as base64 strings.
"""

from __future__ import annotations

import base64
from contextlib import contextmanager

import numpy as np

from . import schema

BOUNDARY_SIZE = 64
UNIT_SIZE = 20
HISTOGRAM_BINS = 20
SATURATION = 0.1
_FIXED_RANGES = {"Sigmoid": (0.0, 1.0), "Tanh": (-1.0, 1.0)}
_peaks: dict[type, float] = {}


def grid(extent: float, size: int, dtype=np.float32) -> np.ndarray:
    """``(size * size, 2)`` pixel centres over ``[-extent, extent]^2``, row by row from the top."""
    centres = (np.arange(size) + 0.5) / size * 2 * extent - extent
    x1, x2 = np.meshgrid(centres, centres[::-1])
    return np.stack([x1.ravel(), x2.ravel()], axis=1).astype(dtype)


@contextmanager
def evaluating(model):
    """``model`` in evaluation mode (no dropout, batch norm's running statistics), then training mode."""
    model.eval()
    try:
        yield model
    finally:
        model.train()


def boundary(model, extent: float) -> dict:
    """The class probabilities over the plane, ``classes`` bytes per pixel."""
    dtype = _dtype(model)
    with evaluating(model):
        scores = model(grid(extent, BOUNDARY_SIZE, dtype)).astype(np.float64)
    scores -= scores.max(axis=1, keepdims=True)
    with np.errstate(all="ignore"):
        probs = np.exp(scores)
        probs /= probs.sum(axis=1, keepdims=True)
    return {"size": BOUNDARY_SIZE, "classes": int(probs.shape[1]), "extent": extent,
            "probs": _bytes(np.round(255 * np.nan_to_num(probs)))}


def activations(model, x) -> list[tuple[object, np.ndarray, np.ndarray]]:
    """``(layer, output, local derivative)`` for each activation layer, ``x`` run through ``model``."""
    kinds = tuple(schema.ACTIVATIONS.values())
    found = []
    with evaluating(model), np.errstate(all="ignore"):
        for layer in model:
            x = layer(x)
            if isinstance(layer, kinds):
                found.append((layer, x, layer.backward(np.ones_like(x))))
    return found


def layer_stats(model, x, linears, grad_norms) -> list[dict]:
    """One dict per Linear layer: its last gradient norm and, for a hidden one, its activation's
    histogram (``histogram``: shares of the outputs in ``HISTOGRAM_BINS`` equal bins over ``range``),
    ``saturated`` and ``dead`` shares."""
    rows = [{"grad_norm": g} for g in grad_norms]
    for row, (layer, y, local) in zip(rows, activations(model, x), strict=False):
        y = np.nan_to_num(y.astype(np.float64))
        low, high = _FIXED_RANGES.get(type(layer).__name__, (min(float(y.min()), 0.0), float(y.max())))
        high = max(high, low + 1e-6)
        counts, _ = np.histogram(y, bins=HISTOGRAM_BINS, range=(low, high))
        saturated = np.abs(np.nan_to_num(local)) < SATURATION * peak_derivative(type(layer))
        row.update({"histogram": (counts / max(y.size, 1)).round(4).tolist(), "range": [low, high],
                    "saturated": round(float(saturated.mean()), 4),
                    "dead": round(float(saturated.all(axis=0).mean()), 4)})
    return rows


def unit_maps(model, extent: float) -> dict:
    """Every hidden unit's output over the plane: per layer, ``width`` maps of ``UNIT_SIZE^2`` bytes."""
    layers = []
    for _, y, _ in activations(model, grid(extent, UNIT_SIZE, _dtype(model))):
        y = np.nan_to_num(y.astype(np.float64))
        scale = max(float(np.abs(y).max()), 1e-12)
        layers.append({"scale": scale, "maps": _bytes(np.round(127.5 * (y.T / scale + 1)))})
    return {"size": UNIT_SIZE, "layers": layers}


def peak_derivative(kind: type) -> float:
    """The largest local derivative of activation ``kind``, found by its own backward on a fine grid."""
    if kind not in _peaks:
        layer = kind()
        z = np.linspace(-10, 10, 20001)
        layer(z)
        _peaks[kind] = float(np.abs(layer.backward(np.ones_like(z))).max())
    return _peaks[kind]


def _dtype(model):
    return next(iter(model.parameters())).data.dtype


def _bytes(values: np.ndarray) -> str:
    return base64.b64encode(np.clip(values, 0, 255).astype(np.uint8).tobytes()).decode("ascii")
