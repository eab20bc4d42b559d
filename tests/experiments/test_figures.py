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
