"""Topic 5: per-layer gradient norms through a 10-layer MLP, sigmoid vs ReLU, Xavier vs He."""

import numpy as np
import pytest
from experiment_helpers import assert_figures_ok, run_quick

from scratchdl.data import load_splits
from scratchdl.experiments import vanishing_gradient as vg


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_quick("vanishing_gradient", tmp_path_factory.mktemp("vanishing_gradient"), lang="ja")


def test_sigmoid_first_layer_gradient_is_far_smaller_than_relus(run):
    numbers = run[0].numbers
    ratio = numbers["first_to_last_gradient_norm_ratio"]
    for init in ("Xavier", "He"):
        assert ratio[f"sigmoid + {init}"] < 1e-3
        assert 0.1 <= ratio[f"relu + {init}"] <= 10
    assert numbers["first_layer_norm_sigmoid_over_relu_he"] < 1e-2
    norms = numbers["gradient_norm_per_layer"]
    assert all(len(v) == vg.DEPTH for v in norms.values())
    assert norms["sigmoid + He"][0] < norms["relu + He"][0] / 100


def test_sigmoid_shrinks_the_gradient_by_about_its_max_derivative_per_layer(run):
    numbers = run[0].numbers
    derivative = np.array(numbers["mean_sigmoid_derivative_per_layer_xavier"])
    assert len(derivative) == vg.DEPTH - 1
    assert np.all((derivative > 0.1) & (derivative <= 0.25))
    norms = np.array(numbers["gradient_norm_per_layer"]["sigmoid + Xavier"])
    per_layer = np.exp(np.mean(np.diff(np.log(norms))))  # growth factor from input side to output side
    assert 3 < per_layer < 6  # about 1 / mean sigma' ~ 4


def test_gradient_norms_do_not_accumulate_across_calls():
    """``backward`` adds into ``.grad``; measuring twice must give the same norms, not double them."""
    train, _ = load_splits("digits")
    x, t = train.x[:32], train.t[:32]
    model = vg.deep_mlp("sigmoid", "xavier_normal", np.random.default_rng(3))
    first, derivatives = vg.gradient_norms(model, x, t)
    second, _ = vg.gradient_norms(model, x, t)
    np.testing.assert_allclose(first, second, rtol=1e-6)
    assert first.shape == (vg.DEPTH,) and np.all(first > 0)
    assert derivatives.shape == (vg.DEPTH - 1,) and np.all((derivatives > 0) & (derivatives <= 0.25))


def test_checks_pass_and_figures_render(run):
    result, missing = run
    assert all(result.checks.values()), result.checks
    assert not missing, missing
    assert_figures_ok(result)
    assert result.notes
