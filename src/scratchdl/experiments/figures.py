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

**On a phone** a 10-inch figure shrinks to the page's width, about ``PHONE_CSS_PX`` = 366 CSS px on a
390 px phone: 11 pt text would show at 11 * 366 / 720 = 5.6 px. So every figure also gets a phone
rendition (``save_phone``): the same figure, its panels moved into one column (image grids wrapped
into rows that fit), redrawn ``PHONE_WIDTH_IN`` = 4.5 inches wide with the same fonts, so its
smallest text shows at 11 * 366 / (72 * 4.5) = 12.4 px there. ``report.html`` lets the browser
pick it below ``PHONE_MAX_CSS_PX`` through ``<picture><source media=...>``.
"""

from __future__ import annotations

import contextvars
import io
import math
import re
from contextlib import contextmanager
from pathlib import Path

DPI = 200
CSS_PX_PER_IN = 96
MAX_WIDTH_IN = 10.0
FONT_PT = {"en": 11.0, "ja": 12.0}  # the smallest font a figure may use
FLOOR_CSS_PX = 9.0  # the smallest text a figure may show, on a 1280 px desktop and on a 390 px phone

PHONE_WIDTH_IN = 4.5  # a phone rendition's width
PHONE_DPI = 150  # 675 px for 4.5 in, shown 366 CSS px wide: sharp at a phone's 2x-3x density, small
PHONE_CSS_PX = 366  # the width a figure gets on a 390 px phone (the page's side padding taken off)
PHONE_MAX_CSS_PX = 600  # the widest viewport that gets the phone rendition (the page's phone breakpoint)
PLOT_ROW_IN = (2.6, 3.6)  # the height of one stacked plot panel: the desktop row's, within these bounds
MIN_CELL_IN = 0.36  # the narrowest cell of an image grid (a digit, a filter) on the phone


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


# ---- the phone rendition -----------------------------------------------------------------------
def _panels(fig):
    """The visible axes of ``fig`` with their cell in its grid: [(ax, row, col)] (col: the first
    column of a panel that spans several, as ``subplot_mosaic`` makes), rows, cols, height ratios,
    and whether some panel spans columns; None if some visible axes is not within one row of one
    common grid."""
    axes = [ax for ax in fig.axes if ax.get_visible()]
    specs = [ax.get_subplotspec() for ax in axes]
    if not axes or any(s is None for s in specs):
        return None
    grid = specs[0].get_gridspec()
    if any(s.get_gridspec() is not grid or len(s.rowspan) != 1 for s in specs):
        return None
    rows, cols = grid.get_geometry()
    cells = [(ax, s.rowspan.start, s.colspan.start) for ax, s in zip(axes, specs, strict=True)]
    spanning = any(len(s.colspan) > 1 for s in specs)
    return cells, rows, cols, list(grid.get_height_ratios() or [1.0] * rows), spanning


def _is_image_grid(cells) -> bool:
    """Images in every cell that draws anything (a grid of digits or filters, some cells left empty)."""
    drawn = [ax for ax, _, _ in cells if ax.images or ax.lines or ax.collections or ax.patches]
    return bool(drawn) and all(ax.images for ax in drawn)


def _extent_in(texts, fig, axis: int) -> float:
    """The largest width (``axis`` 0) or height (1) in inches of the shown ``texts``."""
    renderer = fig.canvas.get_renderer()
    sizes = [t.get_window_extent(renderer).size[axis] / fig.dpi for t in texts if t.get_visible() and t.get_text()]
    return max(sizes, default=0.0)


def _image_grid(fig, cells, cols) -> tuple[int, float]:
    """Columns of an image grid on the phone, and the height in inches of a row of height ratio 1.

    As many cells as fit beside the row labels, each at least ``MIN_CELL_IN`` and as wide as its
    title, spread evenly over the rows one desktop row becomes; a row is a cell (the image's
    aspect kept) with its title above it. ``fig`` must have been drawn (its texts laid out)."""
    labels = _extent_in([ax.yaxis.label for ax, _, c in cells if c == 0], fig, 0)
    titles = [ax.title for ax, _, _ in cells]
    room = PHONE_WIDTH_IN - labels - 0.3
    fit = max(1, math.floor(room / max(MIN_CELL_IN, _extent_in(titles, fig, 0) + 0.1)))
    per_row = math.ceil(cols / math.ceil(cols / fit))
    image = next(ax.images[0] for ax, _, _ in cells if ax.images)
    rows, columns = image.get_array().shape[:2]
    titled = sum(bool(t.get_text()) for t in titles) * 2 > len(titles)  # a title over most cells
    image_in = room / per_row - 0.15  # the pitch less the space between cells
    return per_row, image_in * rows / columns + (_extent_in(titles, fig, 1) if titled else 0.0) + 0.18


def _wrap(text, width_in: float, fig) -> None:
    """Break ``text`` (a matplotlib Text) into lines at most ``width_in`` wide, at spaces and after
    "、" outside ``$...$`` (a word longer than the width stays whole)."""
    renderer = fig.canvas.get_renderer()

    def inches(line: str) -> float:
        return renderer.get_text_width_height_descent(line, text.get_fontproperties(), ismath=False)[0] / fig.dpi

    lines = []
    for paragraph in text.get_text().split("\n"):
        line = ""
        for word in re.findall(r"(?:\$[^$]*\$|[^ 、$])+、?|[ ]+", paragraph):  # $math$ stays whole
            if line.strip() and inches((line + word).rstrip()) > width_in:
                lines.append(line.rstrip())
                line = word.lstrip()
            else:
                line += word
        lines.append(line.rstrip())
    text.set_text("\n".join(lines))


def phone_layout(fig) -> bool:
    """Move ``fig``'s panels into the phone layout, ``PHONE_WIDTH_IN`` wide; False if its panels are
    not within the rows of one grid (the figure is left as it was).

    Row r of a desktop grid with C columns becomes ceil(C / c) rows of c columns: c = 1 stacks plot
    panels (two columns for more than four narrow ones), each as tall as a desktop row within
    ``PLOT_ROW_IN``; an image grid gets as many columns as fit (``_image_grid``). Where a panel
    spans columns (``subplot_mosaic``), every panel gets a row of its own, in reading order
    (``_stack``). Tick labels that shared axes hid are shown again, since a stacked panel no longer
    sits beside the one that showed them; titles wrap to their panel's width, the figure's title to
    the figure's."""
    found = _panels(fig)
    if found is None:
        return False
    cells, rows, cols, ratios, spanning = found
    image_grid = _is_image_grid(cells)
    if spanning and image_grid:
        return False
    width, height = fig.get_size_inches()
    fig.draw_without_rendering()
    top = 0.0
    if fig._suptitle is not None and fig._suptitle.get_text():
        _wrap(fig._suptitle, PHONE_WIDTH_IN - 0.4, fig)
        top = _extent_in([fig._suptitle], fig, 1) + 0.15
    plot_row_in = min(max(height / rows, PLOT_ROW_IN[0]), PLOT_ROW_IN[1])
    if spanning:
        _stack(fig, cells, ratios, plot_row_in, top)
    else:
        if image_grid:
            per_row, row_in = _image_grid(fig, cells, cols)
        else:
            narrow = len(cells) > 4 and PHONE_WIDTH_IN / (width / cols) >= 1.5
            per_row, row_in = (2 if narrow and cols > 1 else 1), plot_row_in
        chunks = math.ceil(cols / per_row)
        fig.set_size_inches(PHONE_WIDTH_IN, sum(ratios) / max(ratios) * chunks * row_in + top + 0.2)
        grid = fig.add_gridspec(rows * chunks, per_row, height_ratios=[r for r in ratios for _ in range(chunks)])
        for ax, row, col in cells:
            ax.set_subplotspec(grid[row * chunks + col // per_row, col % per_row])
            _show_shared_ticks(ax)
    fig.tight_layout()
    for ax, _, _ in cells:  # a title no wider than its panel (centred on it, it would leave the figure)
        _wrap(ax.title, ax.get_position().width * PHONE_WIDTH_IN + 0.2, fig)
    return True


def _show_shared_ticks(ax) -> None:
    """Tick labels that shared axes hid, shown again: a stacked panel no longer sits beside the one
    that showed them."""
    if len(ax.get_shared_y_axes().get_siblings(ax)) > 1:
        ax.yaxis.set_tick_params(labelleft=True)
    if len(ax.get_shared_x_axes().get_siblings(ax)) > 1:
        ax.xaxis.set_tick_params(labelbottom=True)


def _aside_in(ax, fig) -> float | None:
    """The height in inches of a panel that only holds a legend (its axis off, nothing drawn: the
    legend of a panel beside it), its legend's height; None for a panel that draws something."""
    legend = ax.get_legend()
    if ax.axison or legend is None or ax.lines or ax.patches or ax.collections or ax.images:
        return None
    return legend.get_window_extent(fig.canvas.get_renderer()).height / fig.dpi + 0.2


def _stack(fig, cells, ratios, row_in: float, top: float) -> None:
    """Panels of a grid where some span columns, stacked one per row in reading order (row by row,
    left to right), each as tall as its desktop row's share of ``row_in``; a legend-only panel as
    tall as its legend."""
    order = sorted(cells, key=lambda cell: (cell[1], cell[2]))
    heights = [_aside_in(ax, fig) or ratios[row] / max(ratios) * row_in for ax, row, _ in order]
    fig.set_size_inches(PHONE_WIDTH_IN, sum(heights) + top + 0.2)
    grid = fig.add_gridspec(len(order), 1, height_ratios=heights)
    for k, (ax, _, _) in enumerate(order):
        ax.set_subplotspec(grid[k, 0])
        _show_shared_ticks(ax)


_PHONE = contextvars.ContextVar("scratchdl_phone_renditions", default=False)


@contextmanager
def phone_renditions():
    """Inside this block ``base.save_figure`` also saves each figure's phone rendition: the report
    does (``report.write_report``); a single experiment, a notebook or a test needs none and skips
    the second drawing."""
    token = _PHONE.set(True)
    try:
        yield
    finally:
        _PHONE.reset(token)


def making_phone_renditions() -> bool:
    return _PHONE.get()


def phone_path(path):
    """Where the phone rendition of the figure at ``path`` goes: ``NAME.phone.png`` beside it."""
    path = Path(path)
    return path.with_name(f"{path.stem}.phone.png")


def save_phone(fig, path) -> dict | None:
    """Save the phone rendition of ``fig`` at ``path`` (PNG, 256 colours, ``PHONE_DPI``); its
    ``figure_info``, or None if the figure has no phone layout (and no file is written). ``fig`` is
    changed: save the desktop rendition first."""
    from PIL import Image

    from ..atomic import write_atomic

    if not phone_layout(fig):
        return None
    fig.tight_layout()  # fonts as on the desktop (``enforce_floor`` set any new tick label's size there)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=PHONE_DPI)
    with Image.open(buffer) as image:  # a palette of 256 colours: a third of the bytes, no visible change
        small = image.convert("RGB").quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    write_atomic(path, lambda tmp: small.save(tmp, format="png"))
    return figure_info(fig, PHONE_DPI)
