"""The gradient all-reduce's arithmetic in one process: two ranks' weighted shares of a batch
sum to the gradient of the whole batch, through the in-place buffer views and the copy path."""

import numpy as np
import pytest

from scratchdl import models, nn
from scratchdl.distributed import Comm, DataParallel, GradientReducer, allreduce_gradients
from scratchdl.errors import StateError
from scratchdl.nn import CrossEntropyLoss


class PairComm(Comm):
    """Rank 0 of a pretend world of two: ``allreduce_sum_`` adds the buffer rank 1 sent."""

    def __init__(self, other=None, others_count=0, extras=1):
        super().__init__(None)
        self.size, self.other, self.sent = 2, other, None
        self.others_count, self.count_at = others_count, -1 - extras

    def allreduce_sum_(self, buffer):
        self.sent = buffer.copy()
        if self.other is not None:
            buffer += self.other
        else:  # only the other rank's sample count, so that a check of the total passes
            buffer[self.count_at] += self.others_count
        return buffer


def batch(n=13, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 6)), rng.integers(0, 4, n)


def model(dtype=np.float64):
    return models.MLP([6, 8, 4], rng=np.random.default_rng(2), dtype=dtype)


def gradients(net, x, t):
    loss_fn = CrossEntropyLoss()
    net.zero_grad()
    loss = loss_fn(net(x), t)
    net.backward(loss_fn.backward())
    return loss


@pytest.mark.parametrize("split", [1, 5, 6, 12])
@pytest.mark.parametrize("mixed", [False, True])
@pytest.mark.parametrize("known", [False, True])
def test_weighted_shares_give_the_whole_batch_gradient(split, mixed, known):
    x, t = batch()
    whole = model()
    gradients(whole, x, t)
    expected = [p.grad.copy() for p in whole.parameters()]

    rank0, rank1 = model(), model()
    if mixed:  # a float32 parameter among float64 ones: the buffer is float64, gradients are copied
        for net in (rank0, rank1):
            last = list(net.parameters())[-1]
            last.data, last.grad = last.data.astype(np.float32), last.grad.astype(np.float32)
    loss1 = gradients(rank1, x[split:], t[split:])
    sender = PairComm(others_count=split)
    n_global = len(x) if known else None  # the global batch given in advance: scaled before the sum
    GradientReducer(rank1.parameters(), sender, num_extras=1)(len(x) - split, (loss1 * (len(x) - split),),
                                                              n_global)
    loss0 = gradients(rank0, x[:split], t[:split])
    reducer = GradientReducer(rank0.parameters(), PairComm(sender.sent), num_extras=1)
    assert (reducer.views is None) == mixed
    n, (loss_sum,) = reducer(split, (loss0 * split,), n_global)
    assert n == len(x)
    rtol = 1e-6 if mixed else 1e-12  # the float32 layer's gradient is float32-accurate
    assert loss_sum / n == pytest.approx(CrossEntropyLoss()(whole(x), t), rel=rtol)
    for got, want in zip((p.grad for p in rank0.parameters()), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * 1e-3)


def test_gradients_are_views_of_one_buffer_and_survive_replacement():
    net = model(np.float32)
    reducer = GradientReducer(net.parameters(), PairComm(), num_extras=0)
    assert all(np.shares_memory(p.grad, reducer.buffer) for p in net.parameters())
    first = next(iter(net.parameters()))
    first.grad = np.ones_like(first.grad)  # replaced, as Module.to does
    reducer(1)
    assert np.shares_memory(first.grad, reducer.buffer) and np.all(first.grad == 1)


def test_one_process_is_the_identity():
    x, t = batch()
    net, ref = model(), model()
    gradients(ref, x, t)
    wrapped = DataParallel(net)
    loss_fn = CrossEntropyLoss()
    loss_fn(wrapped(x), t)
    wrapped.backward(loss_fn.backward())
    for a, b in zip(net.parameters(), ref.parameters(), strict=True):
        np.testing.assert_array_equal(a.grad, b.grad)
    assert allreduce_gradients(net, len(x)) == len(x)
    assert wrapped.state_dict().keys() == ref.state_dict().keys()


def test_ranks_at_different_steps_are_caught():
    reducer = GradientReducer(model().parameters(), PairComm(extras=0), num_extras=0)
    with pytest.raises(StateError, match="sum to 4 samples, not the 5 expected"):
        reducer(4, (), n_global=5)  # the other rank sent nothing: at another step


class RootPair(PairComm):
    """Rank 0 of a pretend pair, which also broadcasts (as the root it keeps its own arrays)."""

    def bcast_(self, buffer, root=0):
        return buffer


def rank1_buffer(x, t, split, extras=0):
    """What rank 1 of a pair sends for its share ``x[split:]`` of the batch."""
    rank1 = model()
    gradients(rank1, x[split:], t[split:])
    sender = PairComm(others_count=split, extras=extras)
    GradientReducer(rank1.parameters(), sender, num_extras=extras)(len(x) - split)
    return sender.sent


def whole_batch_gradients(x, t):
    whole = model()
    gradients(whole, x, t)
    return [p.grad.copy() for p in whole.parameters()]


def assert_gradients(net, expected):
    for got, want in zip((p.grad for p in net.parameters()), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_allreduce_gradients_every_step_over_the_given_comm_in_one_buffer():
    """A hand-written loop calls ``allreduce_gradients`` at every step: each step gives the whole
    batch's gradient over the comm it is given, and the gradients stay in the buffer of the first
    step (no new buffer per step); another comm is used once it is given."""
    x, t = batch()
    net, first = model(), PairComm(rank1_buffer(x, t, 5))
    for step in range(3):
        comm = first if step < 2 else PairComm(rank1_buffer(x, t, 5))
        comm.other = rank1_buffer(x, t, 5)
        gradients(net, x[:5], t[:5])
        assert allreduce_gradients(net, 5, comm=comm) == len(x)
        assert_gradients(net, whole_batch_gradients(x, t))
        if step == 0:
            grads = [p.grad for p in net.parameters()]
        elif step == 1:  # the same comm: the same buffer, the same gradient arrays as at the first step
            assert all(p.grad is g for p, g in zip(net.parameters(), grads, strict=True))
        assert comm.sent is not None  # this step's comm did the all-reduce
        comm.sent = None


def test_data_parallel_averages_over_its_comm():
    x, t = batch()
    net = DataParallel(model(), RootPair(rank1_buffer(x, t, 6)))
    loss_fn = CrossEntropyLoss()
    net.zero_grad()
    loss_fn(net(x[:6]), t[:6])
    net.backward(loss_fn.backward())
    assert_gradients(net.module, whole_batch_gradients(x, t))


def test_a_model_without_parameters_runs_data_parallel():
    wrapped = DataParallel(nn.Sequential(nn.ReLU()), Comm(None))
    x = np.array([[-1.0, 2.0]])
    np.testing.assert_array_equal(wrapped(x), [[0.0, 2.0]])
    np.testing.assert_array_equal(wrapped.backward(np.ones_like(x)), [[0.0, 1.0]])
    assert wrapped.reducer.dtype == np.float64 and wrapped.reducer.method == "none"
