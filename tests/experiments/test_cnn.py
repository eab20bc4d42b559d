"""Topic 11: MLP vs SimpleConvNet vs VGG/ResNet/AlexNet-style nets on digits."""

import pytest
from experiment_helpers import assert_figures_ok, run_quick

from scratchdl.experiments import cnn
from scratchdl.models import build

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_quick("cnn", tmp_path_factory.mktemp("cnn"), lang="ja")


def test_every_model_trains_and_reports_accuracy_parameters_and_time(run):
    numbers = run[0].numbers
    assert set(numbers["test_accuracy"]) == set(cnn.MODELS.values())
    for key, label in cnn.MODELS.items():
        assert numbers["parameters"][label] == build(key, (1, 8, 8), 10).summary((1, 8, 8)).total_params
        assert 0.25 < numbers["test_accuracy"][label] <= 1, label  # chance is 0.1
        assert numbers["train_seconds"][label] > 0
        assert numbers["misclassified_of_360"][label] == round((1 - numbers["test_accuracy"][label]) * 360)
    assert numbers["test_accuracy"]["MLP"] > 0.8
    assert max(numbers["test_accuracy"][m] for m in ("SimpleConvNet", "VGG-style", "ResNet-style")) > 0.9


def test_first_layer_filters_change(run):
    assert 0.01 < run[0].numbers["simple_cnn_first_filters_relative_change"] < 10


def test_checks_pass_and_figures_render(run):
    result, missing = run
    assert all(result.checks.values()), result.checks
    assert not missing, missing
    assert_figures_ok(result)
