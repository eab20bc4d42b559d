"""``fit`` and ``evaluate`` on two ranks (threads of this process, exchanging as MPI ranks would):
the weights, the whole history and the evaluation of one process on the whole data, with
each rank reading its share of every batch."""

import numpy as np
import pytest
from thread_world import run_ranks

import scratchdl
from scratchdl import data, nn, optim
from scratchdl.models import MLP
from scratchdl.train import fit
from scratchdl.train.evaluate import evaluate

TIMING = ("seconds", "samples_per_second", "processes")


def setup(seed):
    scratchdl.seed(seed)
    model = MLP([2, 16, 3], batchnorm=False, dtype=np.float64)
    return model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.5)


def train_on(comm, train, test, seed=0):
    model, loss_fn, opt = setup(seed if comm is None else seed + comm.rank)  # ranks seeded apart
    state = fit(model, loss_fn, opt, train, test, epochs=2, batch_size=11, progress=False, comm=comm)
    return model.state_dict(), state


def test_two_ranks_train_the_model_one_process_trains():
    train, test = data.load_splits("spiral", seed=0, dtype=np.float64)
    weights, state = train_on(None, train, test)
    ranks = run_ranks(2, lambda comm: train_on(comm, train, test))
    for rank_weights, rank_state in ranks:
        for key, value in weights.items():
            np.testing.assert_allclose(rank_weights[key], value, rtol=1e-12, atol=1e-14, err_msg=key)
        assert len(rank_state.history) == len(state.history) == 2
        for one, two in zip(state.history, rank_state.history, strict=True):
            assert two["processes"] == 2 and one["processes"] == 1
            for key in one:
                if key not in TIMING:
                    assert two[key] == pytest.approx(one[key], rel=1e-12), key


def test_evaluate_on_two_ranks_is_one_process_evaluation():
    train, test = data.load_splits("spiral", seed=0, dtype=np.float64)
    model, loss_fn, _ = setup(0)
    whole = evaluate(model, loss_fn, test)
    for result in run_ranks(2, lambda comm: evaluate(model, loss_fn, test, comm=comm)):
        assert result.loss == pytest.approx(whole.loss, rel=1e-12)
        assert result.accuracy == whole.accuracy
        np.testing.assert_array_equal(result.confusion_matrix, whole.confusion_matrix)
        np.testing.assert_array_equal(result.per_class_accuracy, whole.per_class_accuracy)
