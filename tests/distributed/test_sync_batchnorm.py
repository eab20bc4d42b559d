"""SyncBatchNorm on two ranks (threads of this process) against one process's batch norm over the
whole batch: the outputs, the running statistics and, once the gradient all-reduce has weighted
each rank's share, the gradients of the input, the scale and the shift."""

import numpy as np
import pytest
from thread_world import run_ranks

from scratchdl.distributed import SyncBatchNorm, convert_sync_batchnorm, shard_bounds
from scratchdl.nn import BatchNorm1d, BatchNorm2d, Sequential


def layer(kind, affine=True, dtype=np.float64):
    bn = (BatchNorm2d if kind == "2d" else BatchNorm1d)(3, affine=affine, dtype=dtype)
    if affine:
        bn.weight.data[...] = [0.5, 2.0, -1.0]
        bn.bias.data[...] = [0.1, -0.3, 0.7]
    return bn


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize(("kind", "shape"), [("2d", (9, 3, 2, 2)), ("1d", (7, 3)), ("1d", (9, 3, 4)),
                                             ("1d", (2, 3))])
def test_two_ranks_compute_one_process_batch_norm(kind, shape, affine):
    """Two training steps (running statistics move from their start), each with two backward passes
    (gradients accumulate); shares 4 + 5, 3 + 4, and 1 + 1 (one value per channel on each rank)."""
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal(shape) * 3 + 1 for _ in range(2)]
    gs = [rng.standard_normal(shape) / len(xs[0]) for _ in range(2)]  # dL/dy of the whole batch's mean loss
    whole = layer(kind, affine)
    expected = []
    for x, g in zip(xs, gs, strict=True):
        y = whole(x)
        expected.append((y, whole.backward(g), whole.backward(2 * g)))

    def rank(comm):
        lo, hi = shard_bounds(len(xs[0]), comm.rank, comm.size)
        model = convert_sync_batchnorm(Sequential(layer(kind, affine)), comm)
        bn = model[0]
        assert isinstance(bn, SyncBatchNorm)
        w_r = (hi - lo) / len(xs[0])
        steps = []
        for x, g in zip(xs, gs, strict=True):
            y_r = model(x[lo:hi])
            # the rank's own mean loss: its dL/dy is g * n / n_r; the all-reduce weights dx by w_r
            dx_r = [w_r * model.backward(scale * g[lo:hi] / w_r) for scale in (1, 2)]
            steps.append((y_r, *dx_r))
        grads = [w_r * p.grad for p in model.parameters()]  # what the gradient all-reduce sums
        return steps, grads, bn.running_mean, bn.running_var, int(bn.num_batches_tracked)

    ranks = run_ranks(2, rank)
    for k, want in enumerate(expected):
        for part in range(3):
            got = np.concatenate([r[0][k][part] for r in ranks])
            np.testing.assert_allclose(got, want[part], rtol=1e-10, atol=1e-12, err_msg=f"step {k}, {part}")
    for k, p in enumerate(whole.parameters()):
        np.testing.assert_allclose(ranks[0][1][k] + ranks[1][1][k], p.grad, rtol=1e-12, atol=1e-12)
    for r in ranks:
        np.testing.assert_allclose(r[2], whole.running_mean, rtol=1e-12)
        np.testing.assert_allclose(r[3], whole.running_var, rtol=1e-12)
        assert r[4] == 2


def test_a_float32_model_stays_float32():
    x = np.random.default_rng(2).standard_normal((6, 3, 2, 2)).astype(np.float32)

    def rank(comm):
        bn = convert_sync_batchnorm(layer("2d", dtype=np.float32), comm)
        y = bn(x[3 * comm.rank:3 * comm.rank + 3])
        return y, bn.backward(np.ones_like(y))

    for y, dx in run_ranks(2, rank):
        assert y.dtype == np.float32 and dx.dtype == np.float32


def test_in_eval_mode_it_is_batch_norm_with_the_running_statistics():
    x = np.random.default_rng(1).standard_normal((4, 3, 2, 2))
    whole, mine = layer("2d"), layer("2d")
    for bn in (whole, mine):
        bn.running_mean[...], bn.running_var[...] = [0.2, -0.1, 0.4], [1.5, 0.5, 2.0]
        bn.eval()

    def rank(comm):
        bn = convert_sync_batchnorm(layer("2d"), comm)
        bn.load_state_dict(mine.state_dict())
        bn.eval()
        return bn(x[2 * comm.rank:2 * comm.rank + 2]), bn.backward(np.ones((2, 3, 2, 2)))

    ranks = run_ranks(2, rank)  # each rank's samples alone: no exchange
    np.testing.assert_allclose(np.concatenate([r[0] for r in ranks]), whole(x), rtol=1e-12)
    dx = whole.backward(np.ones_like(x))
    np.testing.assert_allclose(np.concatenate([r[1] for r in ranks]), dx, rtol=1e-12)
