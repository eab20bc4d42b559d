"""Helpers for the experiment tests: run one quickly while recording missing-glyph warnings and the
layout of every figure it draws, and check that a PNG decodes and shows something."""

from __future__ import annotations

import importlib
import re
import warnings
from unittest import mock

import numpy as np
from PIL import Image

from scratchdl import experiments
from scratchdl.experiments import evidence
from scratchdl.experiments import figures as figures_module

_MATH = re.compile(r"\$[^$]*\$")
_SUBSCRIPT_OUTSIDE_MATH = re.compile(r"\w[_^]\{?\w")  # "λ_max" typed as text shows the underscore


def run_quick(name: str, out_dir, lang: str = "ja", seed: int = 0):
    """``(result, missing_glyphs)``: the experiment's quick run and the messages of any
    "Glyph ... missing from font" warning matplotlib raised while drawing (tofu boxes). Every figure's
    layout problems (see ``layout_problems``) are left on ``result.layout_problems``."""
    module = importlib.import_module(f"scratchdl.experiments.{name}")
    problems, figure_info = [], figures_module.figure_info

    def recording(fig, *args, **kwargs):  # called by save_figure once the figure is laid out and drawn
        problems.extend(layout_problems(fig))
        return figure_info(fig, *args, **kwargs)

    recorded = mock.patch.object(figures_module, "figure_info", recording)
    with warnings.catch_warnings(record=True) as caught, recorded:
        warnings.simplefilter("always")
        result = module.run(out_dir, quick=True, lang=lang, seed=seed)
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    result.layout_problems = problems
    return result, missing


def layout_problems(fig) -> list[str]:
    """What a reader would trip over in a drawn figure: a subscript typed as text outside mathtext
    (``λ_max`` shows its underscore), a legend over a data point, a text inside an axes that touches
    or crosses its frame."""
    from matplotlib.text import Text

    out = []
    for text in fig.findobj(Text):
        if text.get_visible() and _SUBSCRIPT_OUTSIDE_MATH.search(_MATH.sub("", text.get_text())):
            out.append(f"{text.get_text()!r} writes a subscript or power outside $...$")
    renderer = fig.canvas.get_renderer()
    for ax in (ax for ax in fig.axes if ax.get_visible()):
        frame, where = ax.get_window_extent(renderer), f"panel {ax.get_title()!r}"
        legend = ax.get_legend()
        for line in ax.lines if legend is not None else ():
            if line.get_transform() != ax.transData:  # axhline/axvline: reference lines, not data
                continue
            covered = _inside(_shown_points(ax, line, frame), legend.get_window_extent(renderer))
            if covered:
                out.append(f"{where}: the legend covers {covered} point(s) of {line.get_label()!r}")
        out += _hidden_lines(ax, where)
        for text in ax.texts:
            box = text.get_window_extent(renderer)
            if text.get_visible() and text.get_text().strip() and not _within(box, frame, margin=2):
                out.append(f"{where}: the label {text.get_text()!r} touches or crosses the frame")
    return out


def _hidden_lines(ax, where: str) -> list[str]:
    """Lines drawn exactly over an earlier one with the same line style and marker hide it (two nets
    both at chance, say): each needs a style of its own to stay visible."""
    out, lines = [], [line for line in ax.lines if line.get_transform() == ax.transData]
    for k, late in enumerate(lines):
        for early in lines[:k]:
            a, b = np.asarray(early.get_xydata(), dtype=float), np.asarray(late.get_xydata(), dtype=float)
            same_look = (early.get_linestyle(), early.get_marker(), early.get_markersize()) == (
                late.get_linestyle(), late.get_marker(), late.get_markersize())
            if same_look and a.shape == b.shape and np.allclose(a, b, equal_nan=True):
                out.append(f"{where}: {late.get_label()!r} hides {early.get_label()!r}")
    return out


def _shown_points(ax, line, frame) -> np.ndarray:
    """A line's data points in display coordinates, those inside the axes' frame."""
    xy = ax.transData.transform(np.asarray(line.get_xydata(), dtype=float))
    xy = xy[np.all(np.isfinite(xy), axis=1)]
    keep = (xy[:, 0] >= frame.x0) & (xy[:, 0] <= frame.x1) & (xy[:, 1] >= frame.y0) & (xy[:, 1] <= frame.y1)
    return xy[keep]


def _inside(points: np.ndarray, box) -> int:
    return int(np.sum((points[:, 0] > box.x0) & (points[:, 0] < box.x1)
                      & (points[:, 1] > box.y0) & (points[:, 1] < box.y1)))


def _within(box, frame, margin: float) -> bool:
    return (box.x0 >= frame.x0 + margin and box.x1 <= frame.x1 - margin and box.y0 >= frame.y0 + margin
            and box.y1 <= frame.y1 - margin)


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
    """Every figure decodes and has a caption; the figures are the ones the topic's panels name, one
    finding per panel and the checks a quick run makes; no figure has a layout problem."""
    assert result.figures and len(result.figures) == len(result.captions)
    for path, caption in zip(result.figures, result.captions, strict=True):
        assert_png_has_content(path)
        assert caption.strip()
    module = experiments.load(result.name)  # by the topic's name (autograd: computational_graph.py)
    assert sorted({p.name for p in result.figures}) == sorted({p.figure for p in module.PANELS})
    assert len(result.notes) == len(module.PANELS) and all(any(c.isdigit() for c in n) for n in result.notes)
    assert len(result.checks) == len(evidence.applicable(module.CHECKS, quick=True))
    problems = getattr(result, "layout_problems", [])
    assert problems == [], problems
