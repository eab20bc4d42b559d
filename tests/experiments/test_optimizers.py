"""Topic 4: optimizers on f(x, y) = x^2/20 + y^2 and on digits."""

import math

import numpy as np
import pytest
from experiment_helpers import assert_figures_ok, has_japanese, run_quick

from scratchdl.experiments import optimizers


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_quick("optimizers", tmp_path_factory.mktemp("optimizers"), lang="ja")


def steps(value):
    return math.inf if value is None else value


def test_adam_and_momentum_reach_the_minimum_before_sgd(run):
    at_common = run[0].numbers["steps_to_minimum_at_common_lr"]
    assert at_common["momentum"] is not None and at_common["adam"] is not None
    assert steps(at_common["momentum"]) < steps(at_common["sgd"])
    assert steps(at_common["adam"]) < steps(at_common["sgd"])


def test_reported_step_is_where_f_stays_below_the_tolerance(run):
    numbers = run[0].numbers
    for name in ("momentum", "adam"):
        k = numbers["steps_to_minimum_at_common_lr"][name]
        _, values = optimizers.descend(name, numbers["common_lr"], numbers["step_budget"])
        assert np.all(values[k:] < numbers["tolerance_f"])
        assert values[k - 1] >= numbers["tolerance_f"]


def test_sgd_path_is_the_closed_form_of_gradient_descent():
    lr = 0.3
    points, _ = optimizers.descend("sgd", lr, 40)
    k = np.arange(41)
    np.testing.assert_allclose(points[:, 0], -7.0 * (1 - lr / 10) ** k, rtol=1e-12)
    np.testing.assert_allclose(points[:, 1], 2.0 * (1 - 2 * lr) ** k, rtol=1e-10, atol=1e-15)


def test_sgd_converges_only_below_its_stability_limit(run):
    numbers = run[0].numbers
    low, high = numbers["converging_lr_range"]["sgd"]
    assert high < 1.0  # 2 / lambda_max with lambda_max = 2
    for name in ("momentum", "adam"):
        assert numbers["converging_lr_count"][name] > numbers["converging_lr_count"]["sgd"]


def test_digits_curves(run):
    per = run[0].numbers["digits"]["per_optimizer"]
    key = f"steps_to_train_loss_{optimizers.TARGET_LOSS}"
    assert steps(per["adam"][key]) < steps(per["sgd"][key])
    assert steps(per["momentum"][key]) < steps(per["sgd"][key])
    for name, row in per.items():
        assert row["final_train_loss"] < 2.3, name  # every optimizer learned something
        assert row["test_accuracy"] > 0.3, name


def test_checks_notes_and_figures(run):
    result, missing = run
    assert all(result.checks.values()), result.checks
    assert missing == []
    assert len(result.figures) == 2
    assert result.notes and has_japanese(result.notes[0])
    assert_figures_ok(result)
