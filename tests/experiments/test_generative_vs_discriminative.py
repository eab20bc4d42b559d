"""Topic 9: a generative classifier p(x|y) + Bayes' rule vs discriminative p(y|x) on digits."""

import numpy as np
import pytest
from experiment_helpers import assert_figures_ok, run_quick
from scipy.stats import multivariate_normal

from scratchdl.experiments import generative_vs_discriminative as gd


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return run_quick("generative_vs_discriminative", tmp_path_factory.mktemp("gen_disc"), lang="ja")


def test_generative_classifier_beats_chance_by_far(run):
    numbers = run[0].numbers
    acc = numbers["test_accuracy"]
    assert numbers["chance"] == pytest.approx(0.1)
    assert acc[f"ppca_gaussian_k{gd.LATENT} p(x|y)"] > 0.8
    assert acc["diagonal_gaussian p(x|y)"] > 0.5
    assert acc["mlp p(y|x)"] > 0.8 and acc["softmax_regression p(y|x)"] > 0.8


def test_generated_samples_are_recognized_as_their_class(run):
    assert run[0].numbers["generated_samples_recognized_by_mlp"] > 0.8


def test_data_size_sweep(run):
    sweep = run[0].numbers["accuracy_vs_train_samples_per_class"]
    assert sweep["samples_per_class"] == sorted(sweep["samples_per_class"])
    assert sweep["generative"][-1] > sweep["generative"][0]
    assert all(a > 0.3 for a in sweep["generative"] + sweep["softmax_regression"])


@pytest.mark.parametrize("latent", [0, 2])
def test_log_likelihood_is_the_gaussian_density_and_posterior_sums_to_1(latent):
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 1, (200, 4)), rng.normal(3, 0.5, (200, 4))])
    t = np.repeat([0, 1], 200)
    model = gd.GaussianClassifier(latent).fit(x, t, 2)
    ll = model.log_likelihood(x[:5])
    for c in range(2):
        expected = multivariate_normal(model.mean[c], model.covariance(c)).logpdf(x[:5])
        np.testing.assert_allclose(ll[:, c], expected, rtol=1e-10)
    posterior = model.posterior(x)
    np.testing.assert_allclose(posterior.sum(axis=1), 1, rtol=1e-12)
    assert np.mean(posterior.argmax(axis=1) == t) > 0.99


def test_samples_follow_the_fitted_class_distribution():
    rng = np.random.default_rng(1)
    x = rng.normal(0, 1, (500, 6)) @ rng.normal(0, 1, (6, 6)) + 2
    model = gd.GaussianClassifier(3).fit(x, np.zeros(500, dtype=int), 1)
    draws = model.sample(0, 20000, rng)
    np.testing.assert_allclose(draws.mean(axis=0), model.mean[0], atol=0.1)
    np.testing.assert_allclose(np.cov(draws, rowvar=False), model.covariance(0), atol=0.25)


def test_checks_pass_and_figures_render(run):
    result, missing = run
    assert all(result.checks.values()), result.checks
    assert not missing, missing
    assert_figures_ok(result)
