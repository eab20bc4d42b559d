"""Topic 10: backprop gradients equal numerical ones and are far cheaper."""

import numpy as np
import pytest
from experiment_helpers import assert_figures_ok, has_japanese, run_quick

from scratchdl.experiments import backprop, evidence
from scratchdl.models import MLP


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_quick("backprop", tmp_path_factory.mktemp("backprop"), lang="ja")


def test_seed_network_gradients(run):
    seed_net = run[0].numbers["seed_network"]
    assert seed_net["max_abs_diff_to_seed_printed"] < 1e-8
    assert seed_net["max_relative_error_vs_numerical"] < 1e-6
    np.testing.assert_allclose(seed_net["backprop_W1"], backprop.SEED_PRINTED_GRADIENTS["W1"], atol=1e-8)


def test_backprop_matches_numerical_gradients_in_float64(run):
    for activation, check in run[0].numbers["gradient_check"].items():
        assert check["max_relative_error"] < 1e-6, activation
        assert len(check["relative_error_per_parameter"]) == 2 * (len(check["sizes"]) - 1)


def test_a_wrong_gradient_is_caught():
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((4, 5)), np.array([0, 1, 2, 1])
    model = MLP([5, 4, 3], "tanh", "xavier_normal", rng=rng, dtype=np.float64)
    analytic, numeric = backprop.gradients(model, x, t)
    analytic["layers.0.weight"][0, 0] += 1e-3
    from scratchdl.gradcheck import relative_error

    assert relative_error(analytic["layers.0.weight"], numeric["layers.0.weight"]) > 1e-3


def test_backprop_is_faster_and_the_ratio_is_reported(run):
    numbers = run[0].numbers
    timing = numbers["timing"]
    assert [r["parameters"] for r in timing] == sorted(r["parameters"] for r in timing)
    for row in timing:
        assert row["ratio"] == pytest.approx(row["numerical_seconds"] / row["backprop_seconds"])
        assert row["ratio"] > 1
    assert numbers["largest_ratio_numerical_over_backprop"] == max(r["ratio"] for r in timing)


def test_checks_and_figure(run):
    result, missing = run
    assert missing == []
    assert has_japanese(result.captions[0])
    assert_figures_ok(result)
    timing = {evidence.check_text(c, result.numbers, "ja") for c in backprop.CHECKS
              if c.key in ("hundredfold", "grows")}
    failed = {name for name, ok in result.checks.items() if not ok}
    assert failed <= timing  # on a busy machine a timing check of the quick run may miss; the rest must hold
