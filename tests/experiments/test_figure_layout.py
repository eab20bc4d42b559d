"""``layout_problems``, which every experiment test runs on every figure it draws, finds what it says."""

import pytest
from experiment_helpers import layout_problems

from scratchdl.experiments import figures


@pytest.fixture
def axes():
    fig, ax = figures.subplots("en", height=3, width=5)
    yield fig, ax
    fig.clf()


def drawn(fig) -> list[str]:
    fig.canvas.draw()
    return layout_problems(fig)


def test_a_subscript_typed_as_text_is_found_and_mathtext_passes(axes):
    fig, ax = axes
    ax.set_title("limit 2/λ_max")
    assert drawn(fig) == ["'limit 2/λ_max' writes a subscript or power outside $...$"]
    ax.set_title(r"limit $2/\lambda_{\max}$ (ε* = 0.26)")
    assert drawn(fig) == []


def test_a_legend_over_data_points_is_found_and_one_under_the_panel_passes(axes):
    fig, ax = axes
    ax.plot(range(10), [0.95] * 10, "-o", label="high")
    ax.set_ylim(0, 1)
    ax.legend(loc="upper right")
    assert any("the legend covers" in p and "'high'" in p for p in drawn(fig))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2))
    assert drawn(fig) == []


def test_a_bar_label_on_the_frame_is_found(axes):
    fig, ax = axes
    bars = ax.bar([0, 1], [1.0, 2.0])
    ax.bar_label(bars, fmt="%.2f")
    ax.set_ylim(0, 2.0)
    assert any("'2.00' touches or crosses the frame" in p for p in drawn(fig))
    ax.set_ylim(0, 2.6)
    assert drawn(fig) == []


def test_a_line_drawn_over_an_identical_one_in_the_same_style_is_found(axes):
    fig, ax = axes
    ax.plot([1, 2, 3], [0.1, 0.1, 0.1], "-o", label="sigmoid + Xavier")
    ax.plot([1, 2, 3], [0.1, 0.1, 0.1], "-o", label="sigmoid + He")
    assert drawn(fig) == ["panel '': 'sigmoid + He' hides 'sigmoid + Xavier'"]
    ax.lines[1].set(linestyle="--", marker="s", markersize=9, markerfacecolor="none")
    assert drawn(fig) == []
