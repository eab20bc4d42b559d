"""Topic 6: activation spread per layer for N(0, 1), N(0, 0.01), Xavier and He."""

import numpy as np
import pytest
from experiment_helpers import assert_figures_ok, run_quick

from scratchdl.experiments import weight_init as wi


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_quick("weight_init", tmp_path_factory.mktemp("weight_init"), lang="ja")


def test_xavier_and_he_keep_the_std_in_the_band(run):
    std = run[0].numbers["activation_std_per_layer"]
    low, high = run[0].numbers["band"]
    for act, init in (("sigmoid", "Xavier"), ("tanh", "Xavier"), ("relu", "He")):
        assert all(low <= s <= high for s in std[act][init]), (act, std[act][init])
    saturated = run[0].numbers["saturated_fraction_per_layer"]
    assert max(saturated["sigmoid"]["Xavier"]) < 0.1 and max(saturated["tanh"]["Xavier"]) < 0.1


def test_normal_1_saturates_and_normal_001_collapses(run):
    numbers = run[0].numbers
    std, saturated = numbers["activation_std_per_layer"], numbers["saturated_fraction_per_layer"]
    low = numbers["band"][0]
    # a standard-normal input through N(0, 1) weights: pre-activations of std ~ sqrt(100 * E[z^2]),
    # so about half the sigmoid outputs and most tanh outputs sit where the derivative is < 8% of its max
    assert min(saturated["sigmoid"]["N(0, 1)"]) > 0.4
    assert min(saturated["tanh"]["N(0, 1)"]) > 0.7
    assert std["relu"]["N(0, 1)"][-1] > 100  # explodes
    for act in ("sigmoid", "tanh", "relu"):
        assert std[act]["N(0, 0.01)"][-1] < low
    for act in ("tanh", "relu"):  # shrinks layer by layer, by about sqrt(n) * 0.01 = 0.1 (x 1/sqrt2 for ReLU)
        ratios = np.array(std[act]["N(0, 0.01)"][1:]) / np.array(std[act]["N(0, 0.01)"][:-1])
        assert np.all((ratios > 0.03) & (ratios < 0.2)), ratios


def test_saturation_is_derivative_below_8_percent_of_its_max():
    y = np.array([0.01, 0.5, 0.99, 0.97])
    assert wi.saturated("sigmoid", y) == pytest.approx(0.5)
    assert wi.saturated("tanh", np.array([-0.99, 0.0, 0.5, 0.97])) == pytest.approx(0.5)


def test_the_spread_between_digits_shrinks_through_sigmoid_layers_by_about_its_slope(run):
    spread = run[0].numbers["spread_between_digits_per_layer"]
    assert len(spread["sigmoid"]["Xavier"]) == wi.HIDDEN
    # each sigmoid layer multiplies the digit-to-digit differences by about sigma'(0) = 1/4
    assert 0.15 < wi._per_layer_factor(spread["sigmoid"]["Xavier"]) < 0.35
    assert wi._per_layer_factor(spread["tanh"]["Xavier"]) > 0.7
    assert spread["sigmoid"]["N(0, 1)"][-1] > spread["sigmoid"]["He"][-1] > spread["sigmoid"]["Xavier"][-1]


def test_the_watched_runs_record_every_hidden_layer_every_epoch(run):
    numbers = run[0].numbers
    long, adam = numbers["sigmoid_xavier_momentum"], numbers["sigmoid_xavier_adam"]
    for watched in (long, adam):
        assert len(watched["test_accuracy"]) == watched["epochs"] + 1
    assert sorted(long["mean_output_per_layer"]) == [f"layer {k + 1}" for k in range(wi.HIDDEN)]
    for means in long["mean_output_per_layer"].values():
        assert len(means) == long["epochs"] + 1 and all(0 < m < 1 for m in means)
    assert abs(long["mean_output_per_layer"]["layer 1"][0] - 0.5) < 0.05  # sigmoid of zero-mean inputs


def plateau_numbers(top, accuracy, lower=0.5):
    """The numbers the plateau checks read, for a run whose top layer's mean follows ``top``."""
    layers = {f"layer {k}": [lower] * len(top) for k in range(1, wi.HIDDEN)} | {f"layer {wi.HIDDEN}": top}
    return {"sigmoid_xavier_momentum": {"test_accuracy": accuracy, "mean_output_per_layer": layers}}


def test_the_plateau_checks_read_the_top_layer_while_the_accuracy_is_at_chance():
    sinking = plateau_numbers([0.5, 0.3, 0.12, 0.15, 0.35, 0.42], [0.1, 0.1, 0.1, 0.1, 0.6, 0.93])
    assert wi._sinks(sinking) and wi._recovers(sinking)
    assert wi._plateau(sinking) == {"epochs": 4, "top_min": 0.12, "top_min_epoch": 2, "top_start": 0.5,
                                   "lower_range": (0.5, 0.5)}
    assert not wi._sinks(plateau_numbers([0.5, 0.45, 0.4, 0.4, 0.4, 0.42], [0.1, 0.1, 0.1, 0.1, 0.6, 0.93]))
    assert not wi._sinks(plateau_numbers([0.5, 0.3, 0.12, 0.15, 0.35, 0.42], [0.1] * 6, lower=0.7))
    stays_low = plateau_numbers([0.5, 0.3, 0.12, 0.12, 0.12, 0.12], [0.1, 0.1, 0.1, 0.1, 0.6, 0.93])
    assert not wi._recovers(stays_low)


def test_training_curves_follow_the_init(run):
    acc = run[0].numbers["final_test_accuracy"]
    assert acc["relu"]["He"] > 0.8 and acc["tanh"]["Xavier"] > 0.8
    for act in ("tanh", "relu"):
        assert acc[act]["N(0, 0.01)"] < 0.2  # collapsed signal: stuck at chance
    assert "relu + N(0, 1)" in run[0].numbers["diverged"] or acc["relu"]["N(0, 1)"] < 0.5


def test_checks_pass_and_figures_render(run):
    result, missing = run
    assert all(result.checks.values()), result.checks
    assert not missing, missing
    assert_figures_ok(result)
