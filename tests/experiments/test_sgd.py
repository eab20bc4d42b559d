"""Topic 3: full-batch gradient descent vs SGD vs mini-batch, and online learning."""

import pytest
from experiment_helpers import assert_figures_ok, has_japanese, run_quick


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_quick("sgd", tmp_path_factory.mktemp("sgd"), lang="ja")


def test_every_method_reduces_the_loss(run):
    numbers = run[0].numbers
    after = "loss_after_the_epochs"
    for method in numbers["methods"].values():
        assert method[after] < method["initial_loss"]
        assert method["loss_after_the_time_budget"] < method["initial_loss"]


def test_updates_per_epoch_follow_the_batch_size(run):
    numbers = run[0].numbers
    n = int(numbers["dataset"].split("(")[1].split()[0])
    methods = numbers["methods"]
    full, sgd = methods["full_batch"], methods["sgd"]
    assert full["updates_in_the_time_budget"] == full["epochs_in_the_time_budget"]  # one update per pass
    assert sgd["updates_in_the_time_budget"] == n * sgd["epochs_in_the_time_budget"]  # one per sample
    assert sgd["epochs_in_the_time_budget"] == numbers["epochs"]


def test_stochastic_methods_beat_full_batch_per_epoch(run):
    numbers = run[0].numbers
    after = "loss_after_the_epochs"
    methods = numbers["methods"]
    assert methods["sgd"][after] < methods["mini_batch"][after] < methods["full_batch"][after]


def test_online_run_sees_each_sample_once_and_learns(run):
    online = run[0].numbers["online"]
    assert online["times_each_sample_seen_min_max"] == [1, 1]
    assert online["test_accuracy_before"] < 0.3
    assert online["test_accuracy_after_one_pass"] > 0.5


def test_checks_and_figure(run):
    result, missing = run
    assert all(result.checks.values()), result.checks
    assert missing == []
    assert has_japanese(result.captions[0])
    assert_figures_ok(result)
