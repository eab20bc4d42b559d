"""Topic: computational graphs and automatic differentiation (``scratchdl experiment autograd``)."""

import copy

import numpy as np
import pytest
from experiment_helpers import assert_figures_ok, has_japanese, run_quick

from scratchdl.experiments import computational_graph as topic
from scratchdl.experiments import consistency, evidence
from scratchdl.experiments.report import plain

TIMING_CHECKS = ("bookkeeping", "share", "numerical", "numerical_grows")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_quick("computational_graph", tmp_path_factory.mktemp("autograd"), lang="ja")


def holds(numbers) -> dict:
    return {c.key: bool(c.holds(numbers)) for c in topic.CHECKS}


def test_statements_panels_findings_and_checks(run):
    result, missing = run
    assert missing == []
    assert consistency.problems(topic) == []
    assert [s.key for s in topic.STATEMENTS] == ["graph", "recorded", "higher", "cost"]
    assert [p.name for p in result.figures] == ["autograd_apple.png", "autograd_seed_graph.png",
                                                "autograd_tanh.png", "autograd_timing.png"]
    assert result.claim == topic.CLAIM["ja"] and all(s.text["ja"] in result.claim for s in topic.STATEMENTS)
    assert result.notes == [evidence.finding_text(p, plain(result.numbers), "ja") for p in topic.PANELS]
    assert all(has_japanese(text) for text in [*result.captions, *result.notes, *result.checks])
    assert_figures_ok(result)


def test_book_ones_apple_graphs(run):
    numbers = run[0].numbers
    assert numbers["apple_graph"] == pytest.approx(topic.APPLES_EXPECTED)
    assert numbers["apple_and_orange_graph"] == pytest.approx(topic.APPLES_ORANGES_EXPECTED)
    assert "220 円" in run[0].notes[0] and "715 円" in run[0].notes[1]


def test_the_seed_network_needs_no_backward_of_its_own(run):
    seed = run[0].numbers["seed_network"]
    assert seed["max_abs_diff_autograd_vs_explicit"] < 1e-12 and seed["max_abs_diff_to_seed_printed"] < 1e-8
    assert seed["dE_dW1"][0][0] == pytest.approx(-0.02611973, abs=1e-8)
    assert seed["dE_du2"][0] == pytest.approx([0.08706577, -0.08706577], abs=1e-8)  # = dE/db2, as printed


def test_tanh_derivatives_of_order_one_to_four():
    x = np.linspace(-3, 3, 13)
    found, closed = topic.tanh_derivatives(x), topic.tanh_closed_forms(x)
    for order in range(5):
        np.testing.assert_allclose(found[order], closed[order], atol=1e-13, err_msg=f"order {order}")
    assert found[1][6] == 1.0 and abs(found[4]).max() > 3     # tanh'(0) = 1; the 4th derivative peaks near 4


def test_timing_rows_and_the_checks(run):
    result = run[0]
    timing = result.numbers["timing"]
    assert [r["parameters"] for r in timing] == sorted(r["parameters"] for r in timing)
    for row in timing:
        ratio = row["autograd_seconds"] / row["explicit_seconds"]
        assert row["autograd_over_explicit"] == pytest.approx(ratio)
        assert row["max_abs_diff_autograd_vs_explicit"] < 1e-12
    assert timing[-1]["numerical_seconds"] is None and timing[0]["numerical_over_autograd"] > 10
    failed = {key for key, ok in holds(plain(result.numbers)).items() if not ok}
    assert failed <= set(TIMING_CHECKS)  # a busy machine may fail a quick run's timing check; not the rest


def _contradicted(numbers, change) -> dict:
    numbers = copy.deepcopy(numbers)
    change(numbers)
    return holds(numbers)


def test_no_check_passes_on_numbers_that_contradict_the_figures(run):
    numbers = plain(run[0].numbers)
    timing_ok = {k: v for k, v in holds(numbers).items() if k in TIMING_CHECKS}

    def wrong_tax(n):
        n["apple_graph"]["d_tax"] = 2.0

    def wrong_orange(n):
        n["apple_and_orange_graph"]["d_orange"] = 150.0

    def wrong_printed(n):
        n["seed_network"]["max_abs_diff_to_seed_printed"] = 1e-3

    def third_order_only(n):
        n["tanh"]["max_abs_error_vs_closed_form"] = n["tanh"]["max_abs_error_vs_closed_form"][:3]

    def proportional_overhead(n):  # autograd three times the explicit layers at every size
        for r in n["timing"]:
            r["autograd_seconds"] = 3 * r["explicit_seconds"] + 0.01
            r["autograd_over_explicit"] = r["autograd_seconds"] / r["explicit_seconds"]

    def widest_worst(n):
        n["timing"][-1]["autograd_over_explicit"] = max(r["autograd_over_explicit"] for r in n["timing"]) + 1

    def numerical_flat(n):
        n["timing"][1]["numerical_seconds"] = n["timing"][0]["numerical_seconds"]

    for change, key in ((wrong_tax, "apples"), (wrong_orange, "oranges"), (wrong_printed, "printed"),
                        (third_order_only, "tanh"), (proportional_overhead, "bookkeeping"),
                        (widest_worst, "share"), (numerical_flat, "numerical_grows")):
        if key in timing_ok and not timing_ok[key]:
            continue  # already missed on this busy machine: nothing to show
        assert not _contradicted(numbers, change)[key], (change.__name__, key)
