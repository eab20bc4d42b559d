"""SyncBatchNorm on two ranks (threads of this process) against one process's batch norm over the
whole batch: the outputs, the running statistics and, once the gradient all-reduce has weighted
each rank's share, the gradients of the input, the scale and the shift."""

import numpy as np
import pytest
from thread_world import run_ranks

from scratchdl.distributed import SyncBatchNorm, convert_sync_batchnorm, shard_bounds
from scratchdl.nn import BatchNorm1d, BatchNorm2d, Sequential


def layer(kind, affine=True):
    bn = BatchNorm2d(3, affine=affine, dtype=np.float64) if kind == "2d" else BatchNorm1d(3, affine=affine,
                                                                                           dtype=np.float64)
    if affine:
        bn.weight.data[...] = [0.5, 2.0, -1.0]
        bn.bias.data[...] = [0.1, -0.3, 0.7]
    return bn


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize(("kind", "shape"), [("2d", (9, 3, 2, 2)), ("1d", (7, 3)), ("1d", (9, 3, 4))])
def test_two_ranks_compute_one_process_batch_norm(kind, shape, affine):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape) * 3 + 1
    g = rng.standard_normal(shape) / len(x)  # dL/dy of the whole batch's mean loss
    whole = layer(kind, affine)
    y = whole(x)
    dx = whole.backward(g)

    def rank(comm):
        lo, hi = shard_bounds(len(x), comm.rank, comm.size)  # unequal shares: 4 + 5, 3 + 4
        model = convert_sync_batchnorm(Sequential(layer(kind, affine)), comm)
        bn = model[0]
        assert isinstance(bn, SyncBatchNorm)
        y_r = model(x[lo:hi])
        n_r, w_r = hi - lo, (hi - lo) / len(x)
        dx_r = model.backward(g[lo:hi] / w_r)  # the rank's own mean loss: its dL/dy is g * n / n_r
        grads = [w_r * p.grad for p in model.parameters()]  # what the gradient all-reduce sums
        return y_r, w_r * dx_r, grads, bn.running_mean, bn.running_var, int(bn.num_batches_tracked), n_r

    ranks = run_ranks(2, rank)
    np.testing.assert_allclose(np.concatenate([r[0] for r in ranks]), y, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.concatenate([r[1] for r in ranks]), dx, rtol=1e-10, atol=1e-12)
    for k, p in enumerate(whole.parameters()):
        np.testing.assert_allclose(ranks[0][2][k] + ranks[1][2][k], p.grad, rtol=1e-12, atol=1e-12)
    for r in ranks:
        np.testing.assert_allclose(r[3], whole.running_mean, rtol=1e-12)
        np.testing.assert_allclose(r[4], whole.running_var, rtol=1e-12)
        assert r[5] == 1


def test_in_eval_mode_it_is_batch_norm_with_the_running_statistics():
    x = np.random.default_rng(1).standard_normal((4, 3, 2, 2))
    whole, mine = layer("2d"), layer("2d")
    for bn in (whole, mine):
        bn.running_mean[...], bn.running_var[...] = [0.2, -0.1, 0.4], [1.5, 0.5, 2.0]
        bn.eval()

    def rank(comm):
        convert_sync_batchnorm(mine, comm)
        return mine(x), mine.backward(np.ones_like(x))

    y, dx = run_ranks(1, rank)[0]
    np.testing.assert_allclose(y, whole(x), rtol=1e-12)
    np.testing.assert_allclose(dx, whole.backward(np.ones_like(x)), rtol=1e-12)
