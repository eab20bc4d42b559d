"""Topic: computational graphs and automatic differentiation (``scratchdl experiment autograd``)."""

import numpy as np
import pytest
from experiment_helpers import assert_figures_ok, has_japanese, run_quick

from scratchdl.experiments import computational_graph as topic


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_quick("computational_graph", tmp_path_factory.mktemp("autograd"), lang="ja")


def test_claims_figures_findings_and_checks_correspond_one_to_one(run):
    result, missing = run
    assert missing == []
    assert len(topic.CLAIMS) == len(result.figures) == len(result.notes) == len(result.checks) == 4
    assert [p.name for p in result.figures] == ["autograd_apple.png", "autograd_seed_graph.png",
                                                "autograd_tanh.png", "autograd_timing.png"]
    assert all(c["ja"] in result.claim for c in topic.CLAIMS)
    assert all(has_japanese(text) for text in [*result.captions, *result.notes, *result.checks])
    assert_figures_ok(result)


def test_book_ones_apple_graphs(run):
    numbers = run[0].numbers
    assert numbers["apples"] == pytest.approx(topic.APPLES_EXPECTED)
    assert numbers["apples_and_oranges"] == pytest.approx(topic.APPLES_ORANGES_EXPECTED)
    assert list(run[0].checks.values())[0] is True


def test_the_seed_network_needs_no_backward_of_its_own(run):
    seed = run[0].numbers["seed_network"]
    assert seed["max_abs_diff_autograd_vs_explicit"] < 1e-12 and seed["max_abs_diff_to_seed_printed"] < 1e-8
    assert seed["dE_dW1"][0][0] == pytest.approx(-0.02611973, abs=1e-8)


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
    failed = [name for name, ok in result.checks.items() if not ok]
    assert failed == [] or failed == [list(result.checks)[-1]]   # the last check is about timing
