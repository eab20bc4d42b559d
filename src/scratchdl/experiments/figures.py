"""Figure size, fonts and resolution for every experiment, in one place.

A figure is drawn at the size it is shown: ``report.html`` displays a figure ``w`` inches wide at
``w * 96`` CSS px (at most ``MAX_WIDTH_IN * 96`` = 960 px, shrunk to fit a narrower page), so a
font of ``p`` pt in the figure shows as ``p * 96 / 72`` CSS px, the size of body text of that
point size. In general a font of ``p`` pt in a figure ``w`` inches wide rendered ``r`` CSS px wide
shows as

    effective px = p * r / (72 * w)

Every text in a figure is at least ``FONT_PT[lang]`` (11 pt, 12 pt for kanji), saved at ``DPI``
(200) so that it stays sharp on high-density screens and when opened full size.
``figure_info`` records the figure's size, dpi and smallest font in pt, so the report (and its
browser test) can compute the effective size of the smallest text wherever the figure is shown.
"""

from __future__ import annotations

from contextlib import contextmanager

DPI = 200
CSS_PX_PER_IN = 96
MAX_WIDTH_IN = 10.0
FONT_PT = {"en": 11.0, "ja": 12.0}  # the smallest font a figure may use
FLOOR_CSS_PX = 9.0  # the smallest text a figure may show at a 1280 px desktop width


def font_pt(lang: str) -> float:
    return FONT_PT.get(lang, FONT_PT["en"])


def rc(lang: str) -> dict:
    """matplotlib settings with every text size absolute and at least ``font_pt(lang)``."""
    size = font_pt(lang)
    return {"font.size": size, "axes.titlesize": size + 1, "axes.labelsize": size,
            "xtick.labelsize": size, "ytick.labelsize": size, "legend.fontsize": size,
            "legend.title_fontsize": size, "figure.titlesize": size + 2, "figure.labelsize": size,
            "figure.dpi": DPI, "savefig.dpi": DPI}


@contextmanager
def style(lang: str):
    """The report's figure style for the figures made (and drawn) inside the block."""
    from .base import pyplot

    plt = pyplot()
    with plt.rc_context(rc(lang)):
        yield plt


def subplots(lang: str, nrows: int = 1, ncols: int = 1, *, height: float, width: float = MAX_WIDTH_IN,
             **kwargs):
    """``plt.subplots`` at the report's size (``width`` inches, at most ``MAX_WIDTH_IN``) and fonts."""
    with style(lang) as plt:
        return plt.subplots(nrows, ncols, figsize=(min(float(width), MAX_WIDTH_IN), float(height)), **kwargs)


def _shown_texts(fig):
    from matplotlib.text import Text

    for text in fig.findobj(Text):
        if not text.get_visible() or not text.get_text().strip():
            continue
        if text.axes is not None and not text.axes.get_visible():
            continue
        yield text


def enforce_floor(fig, lang: str) -> None:
    """Raise every text smaller than ``font_pt(lang)`` to it (tick labels made later included)."""
    floor = font_pt(lang)
    fig.draw_without_rendering()  # lays out the tick labels, so they can be checked too; no pixels
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = axis.get_ticklabels()
            if labels and min(t.get_fontsize() for t in labels) < floor:
                ax.tick_params(axis="x" if axis is ax.xaxis else "y", labelsize=floor)
    for text in _shown_texts(fig):
        if text.get_fontsize() < floor:
            text.set_fontsize(floor)


def smallest_font_pt(fig) -> float:
    """The smallest font size (pt) among the texts the figure shows."""
    sizes = [float(t.get_fontsize()) for t in _shown_texts(fig)]
    return min(sizes) if sizes else font_pt("en")


def figure_info(fig, dpi: int = DPI) -> dict:
    """Size (inches and pixels), dpi, smallest font (pt) and the CSS width it is shown at."""
    width, height = (float(v) for v in fig.get_size_inches())
    return {"width_in": round(width, 3), "height_in": round(height, 3), "dpi": dpi,
            "width_px": round(width * dpi), "height_px": round(height * dpi),
            "min_font_pt": round(smallest_font_pt(fig), 2),
            "display_width_px": round(min(width, MAX_WIDTH_IN) * CSS_PX_PER_IN)}


def effective_px(min_font_pt: float, width_in: float, rendered_css_px: float) -> float:
    """The CSS px size of a ``min_font_pt`` font in a ``width_in`` figure rendered ``rendered_css_px``
    wide: ``pt * rendered / (72 * width_in)``."""
    return min_font_pt * rendered_css_px / (72.0 * width_in)
