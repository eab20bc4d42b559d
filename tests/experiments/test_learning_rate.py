"""Topic 2: too small a learning rate crawls, a good one converges, too large diverges."""

import numpy as np
import pytest
from experiment_helpers import assert_figures_ok, has_japanese, run_quick

from scratchdl.experiments import learning_rate


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_quick("learning_rate", tmp_path_factory.mktemp("lr"), lang="ja")


def test_stability_limit_is_two_over_the_largest_hessian_eigenvalue(run):
    numbers = run[0].numbers
    x, _ = learning_rate.make_data(np.random.default_rng(0), numbers["samples"])
    design = np.hstack([x, np.ones_like(x)]).astype(np.float64)
    lambda_max = np.linalg.eigvalsh(2 * design.T @ design / len(x)).max()
    assert numbers["stability_limit_2_over_lambda_max"] == pytest.approx(2 / lambda_max, rel=1e-9)


def test_too_large_diverges_good_converges_too_small_crawls(run):
    numbers = run[0].numbers
    limit, runs = numbers["stability_limit_2_over_lambda_max"], numbers["runs"]
    assert runs["too_large"]["lr"] > limit and runs["good"]["lr"] < limit
    assert runs["too_large"]["diverged_at_step"] is not None
    assert runs["too_large"]["diverged_at_step"] < numbers["steps"]
    assert runs["good"]["diverged_at_step"] is None
    assert abs(runs["good"]["final_excess_over_initial"]) < 1e-6
    assert runs["good"]["final_loss"] == pytest.approx(numbers["least_squares_loss"], rel=1e-4)
    assert runs["good"]["steps_to_1e-3_excess"] < runs["near_limit"]["steps_to_1e-3_excess"]
    assert runs["too_small"]["diverged_at_step"] is None
    assert runs["too_small"]["final_excess_over_initial"] > 0.1
    assert runs["too_small"]["steps_to_1e-3_excess"] is None


def test_descend_just_above_and_below_the_limit():
    x, t = learning_rate.make_data(np.random.default_rng(1), 100)
    limit = 2 / np.linalg.eigvalsh(learning_rate.hessian(x)).max()
    above, _ = learning_rate.descend(x, t, 1.05 * limit, 400)
    below, _ = learning_rate.descend(x, t, 0.9 * limit, 400)
    assert len(above) < 401  # stopped early: blew up
    _, best = learning_rate.optimum(x, t)
    assert below[-1] == pytest.approx(best, rel=1e-4)


def test_checks_and_figure(run):
    result, missing = run
    assert all(result.checks.values()), result.checks
    assert missing == []
    assert has_japanese(result.captions[0])
    assert_figures_ok(result)
