"""Helpers for the experiment tests: run one quickly while recording missing-glyph warnings, and
check that a PNG decodes and shows something."""

from __future__ import annotations

import importlib
import warnings

import numpy as np
from PIL import Image


def run_quick(name: str, out_dir, lang: str = "ja", seed: int = 0):
    """``(result, missing_glyphs)``: the experiment's quick run and the messages of any
    "Glyph ... missing from font" warning matplotlib raised while drawing (tofu boxes)."""
    module = importlib.import_module(f"scratchdl.experiments.{name}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = module.run(out_dir, quick=True, lang=lang, seed=seed)
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    return result, missing


def assert_png_has_content(path, min_size=(300, 200)) -> None:
    """``path`` is a PNG that decodes, is at least ``min_size`` pixels and is not one flat color."""
    assert path.is_file(), f"{path} missing"
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.size[0] >= min_size[0] and image.size[1] >= min_size[1], image.size
        pixels = np.asarray(image.convert("RGB"))
    packed = pixels.reshape(-1, 3).astype(np.uint32) @ np.array([1 << 16, 1 << 8, 1], dtype=np.uint32)
    colors = np.unique(packed)
    assert len(colors) > 20, f"{path}: only {len(colors)} colors"
    drawn = np.mean(np.any(pixels < 200, axis=-1))  # share of pixels that are not near-white
    assert 0.01 < drawn < 0.9, f"{path}: {drawn:.3f} of the pixels drawn"


def has_japanese(text: str) -> bool:
    return any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in text)


def assert_figures_ok(result) -> None:
    assert result.figures and len(result.figures) == len(result.captions)
    for path, caption in zip(result.figures, result.captions, strict=True):
        assert_png_has_content(path)
        assert caption.strip()
