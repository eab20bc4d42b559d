"""Topic 8: one hidden layer fits continuous functions better as it widens."""

import numpy as np
import pytest
from experiment_helpers import assert_figures_ok, run_quick

from scratchdl.experiments import universal_approximation as ua


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_quick("universal_approximation", tmp_path_factory.mktemp("universal_approximation"), lang="ja")


def test_fitting_error_falls_as_width_grows(run):
    numbers = run[0].numbers
    widths = numbers["widths"]
    assert widths == sorted(widths) and widths[0] == 1
    for name, rmse in numbers["rmse"].items():
        assert len(rmse) == len(widths)
        assert rmse[-1] < rmse[0] / 10, (name, rmse)
        assert ua.spearman(widths, rmse) < -0.7, (name, rmse)
        assert min(rmse[-2:]) < 0.05, (name, rmse)
    for name, worst in numbers["max_abs_error"].items():
        assert worst[-1] >= numbers["rmse"][name][-1]


def test_spearman():
    assert ua.spearman([1, 2, 3, 4], [9, 5, 2, 1]) == pytest.approx(-1)
    assert ua.spearman([1, 2, 3], [1, 5, 9]) == pytest.approx(1)


def test_a_wide_net_fits_sin_and_a_single_unit_cannot():
    x = np.linspace(-1, 1, 128, dtype=np.float32)[:, None]
    y = np.sin(2 * np.pi * x).astype(np.float32)
    _, wide = ua.fit_function(32, x, y, 300, np.random.default_rng(0))
    _, one = ua.fit_function(1, x, y, 300, np.random.default_rng(0))
    assert wide < 0.05 < 0.5 < one


def test_checks_pass_and_figures_render(run):
    result, missing = run
    assert all(result.checks.values()), result.checks
    assert not missing, missing
    assert_figures_ok(result)
