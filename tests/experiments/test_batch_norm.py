"""Topic 7: batch norm across initial weight scales, same step count."""

import pytest
from experiment_helpers import assert_figures_ok, run_quick


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_quick("batch_norm", tmp_path_factory.mktemp("batch_norm"), lang="ja")


def test_batch_norm_beats_no_batch_norm_under_a_poor_init(run):
    numbers = run[0].numbers
    with_bn, without = numbers["test_accuracy_with_batchnorm"], numbers["test_accuracy_without_batchnorm"]
    assert with_bn.keys() == without.keys()
    for scale in ("0.01", "0.001"):
        assert with_bn[scale] > without[scale] + 0.3, (scale, with_bn[scale], without[scale])
    assert without["0.01"] < 0.2
    assert with_bn["0.01"] > 0.8
    assert numbers["steps"] > 0


def test_checks_pass_and_figures_render(run):
    result, missing = run
    assert all(result.checks.values()), result.checks
    assert not missing, missing
    assert_figures_ok(result)
