"""Topic 1: sigmoid, tanh, ReLU, softmax and their derivatives, measured."""

import numpy as np
import pytest
from experiment_helpers import assert_figures_ok, has_japanese, run_quick

from scratchdl.experiments import activations


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_quick("activations", tmp_path_factory.mktemp("activations"), lang="ja")


def test_sigmoid_facts_are_measured(run):
    numbers = run[0].numbers
    assert numbers["sigmoid(0)"] == 0.5
    assert numbers["sigmoid'(0)"] == pytest.approx(0.25, abs=1e-15)
    assert numbers["max sigmoid'(z)"] == pytest.approx(0.25, abs=1e-15)
    assert numbers["argmax sigmoid'(z)"] == 0.0
    low, high = numbers["sigmoid range on grid"]
    assert 0 < low < 0.01 and 0.99 < high < 1
    assert numbers["max tanh'(z)"] == pytest.approx(1.0, abs=1e-15)
    assert numbers["relu'(z) for z<0 / z>0"] == [0.0, 1.0]


def test_derivatives_from_backward_match_course_functions_and_differences(run):
    for errors in run[0].numbers["max |derivative error|"].values():
        assert errors["layer_vs_course_function"] < 1e-12
        assert errors["backward_vs_central_difference"] < 1e-6


def test_softmax_sums_to_one_even_for_huge_logits(run):
    softmax = run[0].numbers["softmax"]
    for case in ("scale_10", "near_1000"):
        assert softmax[case]["max_abs_sum_minus_1"] < 1e-12
        assert softmax[case]["finite"] and softmax[case]["all_in_0_1"]
    assert softmax["shift_invariance_max_diff"] < 1e-9


def test_layer_derivative_independently():
    z = np.array([-3.0, 0.0, 2.0])
    y, dy = activations.layer_values("sigmoid", z)
    expected = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(y, expected, rtol=1e-12)
    np.testing.assert_allclose(dy, expected * (1 - expected), rtol=1e-12)
    assert dy[1] == 0.25


def test_all_checks_pass_and_figure_renders_japanese(run):
    result, missing = run
    assert result.checks and all(result.checks.values()), result.checks
    assert missing == []  # no tofu: every glyph was found in a font
    assert has_japanese(result.title) and has_japanese(result.claim) and has_japanese(result.captions[0])
    assert_figures_ok(result)
