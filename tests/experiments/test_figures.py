"""The report's figure style: drawn at display size, every text at least the floor, size recorded."""

import pytest

from scratchdl.experiments import figures
from scratchdl.experiments.base import pyplot


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_text_is_raised_to_the_floor_and_recorded(lang):
    fig, ax = figures.subplots(lang, width=14, height=3)
    assert tuple(fig.get_size_inches()) == (figures.MAX_WIDTH_IN, 3)  # capped at the display width
    ax.plot([0, 1], [0, 1], label="line")
    ax.legend(fontsize=6)
    ax.set_title("small title", fontsize=7)
    ax.annotate("note", (0.5, 0.5), fontsize=5)
    with figures.style(lang):
        figures.enforce_floor(fig, lang)
        info = figures.figure_info(fig)
    pyplot().close(fig)
    assert info["min_font_pt"] == figures.FONT_PT[lang]
    assert info["dpi"] == figures.DPI and info["width_px"] == figures.MAX_WIDTH_IN * figures.DPI
    assert info["display_width_px"] == 960


def test_effective_px_scales_with_the_rendered_width():
    assert figures.effective_px(12, 10, 960) == pytest.approx(16)
    assert figures.effective_px(11, 10, 720) == pytest.approx(11)
    # the old figures: 8 pt legends in a 16 in figure shown 1100 px wide were ~7.6 px
    assert figures.effective_px(8, 16, 1100) < figures.FLOOR_CSS_PX


def _plots(lang, ncols, **kwargs):
    fig, axes = figures.subplots(lang, 1, ncols, height=4, **kwargs)
    for k, ax in enumerate(axes):
        ax.plot([0, 1], [0, k + 1], label=f"line {k}")
        ax.set_title(f"panel {k}: a title long enough to need two lines on a phone")
    fig.suptitle("A figure title that is far too long to fit in one line of a phone's width")
    with figures.style(lang):
        figures.enforce_floor(fig, lang)
        fig.tight_layout()
    return fig, axes


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_phone_layout_stacks_plot_panels_at_phone_width(lang, tmp_path):
    fig, axes = _plots(lang, 3, sharey=True)
    assert not axes[1].yaxis.get_tick_params()["labelleft"]  # hidden beside the first panel
    with figures.style(lang):
        info = figures.save_phone(fig, tmp_path / "f.phone.png")
    pyplot().close(fig)
    assert info["width_in"] == figures.PHONE_WIDTH_IN and info["dpi"] == figures.PHONE_DPI
    assert info["min_font_pt"] == figures.FONT_PT[lang]  # the desktop's fonts, not shrunk
    boxes = [ax.get_position() for ax in axes]
    assert all(abs(b.x0 - boxes[0].x0) < 1e-9 for b in boxes)  # one column, top to bottom
    assert boxes[0].y0 > boxes[1].y1 and boxes[1].y0 > boxes[2].y1
    assert all(ax.yaxis.get_tick_params()["labelleft"] for ax in axes)  # a stacked panel shows its ticks
    assert all("\n" in ax.get_title() for ax in axes) and "\n" in fig._suptitle.get_text()
    shown = figures.effective_px(info["min_font_pt"], info["width_in"], figures.PHONE_CSS_PX)
    assert shown >= 12  # 12.4 px for 11 pt, 13.6 px for 12 pt on a 390 px phone
    from PIL import Image

    with Image.open(tmp_path / "f.phone.png") as image:
        assert image.mode == "P" and image.size[0] == info["width_px"]  # 256 colours
        assert abs(image.size[1] - info["height_px"]) <= 1


def test_phone_layout_wraps_an_image_grid_into_rows_that_fit(tmp_path):
    import numpy as np

    fig, grid = figures.subplots("en", 2, 8, height=3)
    for (r, c), ax in np.ndenumerate(grid):
        ax.imshow(np.eye(8), cmap="gray_r")
        ax.set(xticks=[], yticks=[], title=f"{c} → {r}")
    grid[0, 0].set_ylabel("a row label", rotation=0, ha="right")
    grid[1, 7].images[0].remove()  # an empty cell, as when a model makes fewer mistakes
    with figures.style("en"):
        figures.enforce_floor(fig, "en")
        fig.tight_layout()
        assert figures.phone_layout(fig)
    pyplot().close(fig)
    columns = {round(ax.get_position().x0, 6) for ax in grid.ravel()}
    rows = {round(ax.get_position().y0, 6) for ax in grid.ravel()}
    assert 2 <= len(columns) < 8 and len(rows) == 2 * -(-8 // len(columns))
    assert [ax.get_subplotspec().rowspan.start for ax in grid[0]] == sorted(
        ax.get_subplotspec().rowspan.start for ax in grid[0])  # a desktop row reads on in order


def test_phone_layout_stacks_a_mosaic_in_reading_order(tmp_path):
    """A panel spanning two columns with its legend in a panel beside it, and three panels under it
    (the CNN comparison's layout): one column, row by row and left to right, the legend's row only
    as tall as the legend."""
    with figures.style("en") as plt:
        fig = plt.figure(figsize=(figures.MAX_WIDTH_IN, 8))
        axes = fig.subplot_mosaic([["curve", "curve", "legend"], ["a", "b", "c"]])
    for k in range(5):
        axes["curve"].plot([0, 1], [0, k], label=f"model {k}")
    axes["legend"].axis("off")
    axes["legend"].legend(*axes["curve"].get_legend_handles_labels(), loc="center left")
    for key in "abc":
        axes[key].bar([0, 1], [1, 2])
        axes[key].set_title(f"panel {key}")
    with figures.style("en"):
        figures.enforce_floor(fig, "en")
        fig.tight_layout()
        info = figures.save_phone(fig, tmp_path / "m.phone.png")
    pyplot().close(fig)
    assert info is not None and info["width_in"] == figures.PHONE_WIDTH_IN
    boxes = [axes[key].get_position() for key in ("curve", "legend", "a", "b", "c")]
    assert all(upper.y0 > lower.y1 for upper, lower in zip(boxes, boxes[1:], strict=False))  # reading order
    assert all(abs(b.x0 - boxes[0].x0) < 0.05 for b in (boxes[0], *boxes[2:]))  # one column
    assert boxes[1].height < 0.6 * boxes[0].height  # the legend's row: the legend's height


def test_a_figure_not_on_one_grid_has_no_phone_rendition(tmp_path):
    fig, ax = figures.subplots("en", height=3)
    fig.add_axes((0.6, 0.6, 0.3, 0.3)).plot([0, 1])  # an inset placed by hand
    with figures.style("en"):
        assert figures.save_phone(fig, tmp_path / "f.phone.png") is None
    pyplot().close(fig)
    assert not (tmp_path / "f.phone.png").exists()
    assert figures.phone_path(tmp_path / "a.png") == tmp_path / "a.phone.png"
