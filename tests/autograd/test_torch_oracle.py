"""PyTorch as the oracle, in float64: every operation's value, first derivative and second derivative
against ``torch.autograd.grad(..., create_graph=True)``; tanh's derivatives at 1; a Hessian-vector
product of an MLP loss; double backward through conv2d and max_pool2d; a gradient penalty in training.

Each case computes ``y = f(inputs)`` in both libraries, then with random weights ``w`` (themselves
requiring grad, so the backward pass must be differentiable in its upstream gradient too) and a
random direction ``v``:

- first derivatives: ``g = d/d(inputs) sum(y * w)``;
- second derivatives: ``d/d(inputs, w) sum(g * v)``, a Hessian-vector product for the inputs and a
  Jacobian-vector product for ``w``.
"""

import numpy as np
import pytest

from scratchdl.autograd import Tensor, grad
from scratchdl.autograd import functional as F

torch = pytest.importorskip("torch")
tF = torch.nn.functional

rng = np.random.default_rng(0)


def normal(*shape):
    return rng.normal(size=shape)


def positive(*shape):
    return rng.uniform(0.5, 2.0, size=shape)


def away_from_zero(*shape):
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.2, 1.5, size=shape)


def distinct(*shape):
    """Values far apart, so that a maximum has no near-ties."""
    return rng.permutation(np.arange(int(np.prod(shape)), dtype=np.float64)).reshape(shape) * 0.37 - 3


LABELS = np.array([2, 0, 1, 2])
PROBS = rng.dirichlet(np.ones(3), size=4)
MASK = rng.random((3, 4)) > 0.4
INDEX = np.array([0, 2, 0, 1])
DROP = rng.random((4, 5))


def dropout_ours(x):
    return F.dropout(x, 0.3, True, rng=np.random.default_rng(7))


def dropout_torch(x):
    keep = np.random.default_rng(7).random(tuple(x.shape)) >= 0.3
    return x * torch.tensor(keep / 0.7)


def bn_case(shape, training):
    mean, var = rng.normal(size=shape[1]), rng.uniform(0.5, 2, size=shape[1])

    def ours(x, w, b):
        return F.batch_norm(x, mean.copy(), var.copy(), w, b, training=training)

    def theirs(x, w, b):
        return tF.batch_norm(x, torch.tensor(mean), torch.tensor(var), w, b, training=training)

    return [normal(*shape), positive(shape[1]), normal(shape[1])], ours, theirs


# name: (input arrays, ours, torch's)
CASES = {
    "add": ([normal(2, 3), normal(3)], lambda a, b: a + b, lambda a, b: a + b),
    "sub": ([normal(2, 1), normal(1, 3)], lambda a, b: a - b, lambda a, b: a - b),
    "mul": ([normal(2, 3), normal(2, 1)], lambda a, b: a * b, lambda a, b: a * b),
    "div": ([normal(2, 3), positive(3)], lambda a, b: a / b, lambda a, b: a / b),
    "neg": ([normal(4)], lambda a: -a, lambda a: -a),
    "pow_3": ([normal(5)], lambda a: a ** 3, lambda a: a ** 3),
    "pow_half": ([positive(5)], lambda a: a ** 0.5, lambda a: a ** 0.5),
    "pow_minus_1.5": ([positive(5)], lambda a: a ** -1.5, lambda a: a ** -1.5),
    "pow_tensor": ([positive(2, 3), normal(3)], lambda a, b: a ** b, lambda a, b: a ** b),
    "rpow": ([normal(4)], lambda a: 2.0 ** a, lambda a: 2.0 ** a),
    "matmul": ([normal(3, 4), normal(4, 2)], lambda a, b: a @ b, lambda a, b: a @ b),
    "matmul_batched": ([normal(2, 3, 4), normal(4, 2)], lambda a, b: a @ b, lambda a, b: a @ b),
    "matmul_vector": ([normal(4), normal(4, 3)], lambda a, b: a @ b, lambda a, b: a @ b),
    "exp": ([normal(5)], lambda a: a.exp(), lambda a: a.exp()),
    "log": ([positive(5)], lambda a: a.log(), lambda a: a.log()),
    "tanh": ([normal(5)], F.tanh, torch.tanh),
    "sigmoid": ([normal(5)], F.sigmoid, torch.sigmoid),
    "relu": ([away_from_zero(3, 4)], F.relu, torch.relu),
    "leaky_relu": ([away_from_zero(3, 4)], lambda a: F.leaky_relu(a, 0.1), lambda a: tF.leaky_relu(a, 0.1)),
    "gelu": ([normal(6)], F.gelu, tF.gelu),
    "gelu_tanh": ([normal(6)], lambda a: F.gelu(a, "tanh"), lambda a: tF.gelu(a, approximate="tanh")),
    "erf": ([normal(6)], F.erf, torch.erf),
    "softmax": ([normal(3, 4)], F.softmax, lambda a: torch.softmax(a, -1)),
    "softmax_axis0": ([normal(3, 4)], lambda a: F.softmax(a, 0), lambda a: torch.softmax(a, 0)),
    "log_softmax": ([normal(3, 4)], F.log_softmax, lambda a: torch.log_softmax(a, -1)),
    "sum": ([normal(2, 3, 4)], lambda a: a.sum(axis=(0, 2)), lambda a: a.sum(dim=(0, 2))),
    "mean": ([normal(2, 3)], lambda a: a.mean(axis=1, keepdims=True), lambda a: a.mean(1, keepdim=True)),
    "max": ([distinct(3, 4)], lambda a: a.max(axis=0), lambda a: a.amax(0)),
    "max_all": ([distinct(3, 4)], lambda a: a.max(), lambda a: a.amax()),
    "reshape": ([normal(2, 6)], lambda a: a.reshape(3, 4), lambda a: a.reshape(3, 4)),
    "transpose": ([normal(2, 3, 4)], lambda a: a.transpose(2, 0, 1), lambda a: a.permute(2, 0, 1)),
    "T": ([normal(2, 3)], lambda a: a.T, lambda a: a.T),
    "getitem": ([normal(4, 5)], lambda a: a[1:, ::2], lambda a: a[1:, ::2]),
    "getitem_advanced": ([normal(3, 4)], lambda a: a[INDEX], lambda a: a[torch.tensor(INDEX)]),
    "concatenate": ([normal(2, 3), normal(1, 3)], lambda a, b: F.concatenate([a, b], 0),
                    lambda a, b: torch.cat([a, b], 0)),
    "stack": ([normal(2, 3), normal(2, 3)], lambda a, b: F.stack([a, b], 1),
              lambda a, b: torch.stack([a, b], 1)),
    "where": ([normal(3, 4), normal(4)], lambda a, b: F.where(MASK, a, b),
              lambda a, b: torch.where(torch.tensor(MASK), a, b)),
    "broadcast_to": ([normal(1, 3)], lambda a: F.broadcast_to(a, (2, 3)), lambda a: a.expand(2, 3)),
    "sum_to": ([normal(2, 3)], lambda a: F.sum_to(a, (1, 3)), lambda a: a.sum(0, keepdim=True)),
    "flatten": ([normal(2, 3, 2)], F.flatten, lambda a: a.flatten(1)),
    "linear": ([normal(4, 3), normal(3, 5), normal(5)], F.linear, lambda x, w, b: x @ w + b),
    "linear_no_bias_3d": ([normal(2, 4, 3), normal(3, 5)], F.linear, lambda x, w: x @ w),
    "conv2d": ([normal(2, 3, 6, 5), normal(4, 3, 3, 3), normal(4)],
               lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1),
               lambda x, w, b: tF.conv2d(x, w, b, stride=2, padding=1)),
    "conv2d_no_bias": ([normal(2, 2, 5, 5), normal(3, 2, 2, 3)], lambda x, w: F.conv2d(x, w, padding=(1, 0)),
                       lambda x, w: tF.conv2d(x, w, padding=(1, 0))),
    "max_pool2d": ([distinct(2, 3, 6, 5)], lambda x: F.max_pool2d(x, 3, 2, 1),
                   lambda x: tF.max_pool2d(x, 3, 2, 1)),
    "max_pool2d_tiles": ([distinct(1, 2, 4, 4)], lambda x: F.max_pool2d(x, 2), lambda x: tF.max_pool2d(x, 2)),
    "avg_pool2d": ([normal(2, 3, 5, 4)], lambda x: F.avg_pool2d(x, 2, 1, 1),
                   lambda x: tF.avg_pool2d(x, 2, 1, 1)),
    "global_avg_pool2d": ([normal(2, 3, 4, 4)], F.global_avg_pool2d, lambda x: x.mean((2, 3))),
    "batch_norm_train_2d": bn_case((5, 3), True),
    "batch_norm_train_4d": bn_case((3, 2, 4, 3), True),
    "batch_norm_eval_4d": bn_case((3, 2, 4, 3), False),
    "dropout": ([normal(4, 5)], dropout_ours, dropout_torch),
    "cross_entropy": ([normal(4, 3)], lambda x: F.cross_entropy(x, LABELS),
                      lambda x: tF.cross_entropy(x, torch.tensor(LABELS))),
    "cross_entropy_probs": ([normal(4, 3)], lambda x: F.cross_entropy(x, PROBS),
                            lambda x: tF.cross_entropy(x, torch.tensor(PROBS))),
    "mse_loss": ([normal(3, 2), normal(3, 2)], F.mse_loss, tF.mse_loss),
    "bce_with_logits": ([normal(3, 2)], lambda x: F.binary_cross_entropy_with_logits(x, PROBS[:3, :2]),
                        lambda x: tF.binary_cross_entropy_with_logits(x, torch.tensor(PROBS[:3, :2]))),
}


def _ours_second(scalar, inputs):
    if not scalar.requires_grad:                      # nothing depends on the inputs: all zeros
        return [np.zeros(t.shape) for t in inputs]
    return [g.numpy() for g in grad(scalar, inputs)]


def _torch_second(scalar, inputs):
    if not scalar.requires_grad:
        return [np.zeros(tuple(t.shape)) for t in inputs]
    found = torch.autograd.grad(scalar, inputs, allow_unused=True, materialize_grads=True)
    return [g.detach().numpy() for g in found]


@pytest.mark.parametrize("name", list(CASES))
def test_value_first_and_second_derivatives_equal_pytorchs(name):
    arrays, ours, theirs = CASES[name]
    xs = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    ts = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    y, yt = ours(*xs), theirs(*ts)
    np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-12)
    weights = np.random.default_rng(1).normal(size=y.shape)
    w, wt = Tensor(weights, requires_grad=True), torch.tensor(weights, requires_grad=True)
    first = grad((y * w).sum(), xs, create_graph=True)
    first_t = torch.autograd.grad((yt * wt).sum(), ts, create_graph=True)
    for g, gt in zip(first, first_t, strict=True):
        np.testing.assert_allclose(g.numpy(), gt.detach().numpy(), rtol=1e-10, atol=1e-12)
    directions = [np.random.default_rng(2 + i).normal(size=a.shape) for i, a in enumerate(arrays)]
    s = sum((g * d).sum() for g, d in zip(first, directions, strict=True))
    st = sum((g * torch.tensor(d)).sum() for g, d in zip(first_t, directions, strict=True))
    second = _ours_second(s, [*xs, w])
    second_t = _torch_second(st, [*ts, wt])
    for which, (h, ht) in enumerate(zip(second, second_t, strict=True)):
        np.testing.assert_allclose(h, ht, rtol=1e-9, atol=1e-11, err_msg=f"{name}: second derivative {which}")


def test_max_shares_the_gradient_among_ties_as_amax():
    a = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    x, xt = Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    x.max(axis=1).sum().backward()
    xt.amax(1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy())
    np.testing.assert_allclose(x.grad.numpy(), [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])


def test_tanh_at_one_orders_one_to_three():
    """DeZero's figure: tanh and its derivatives, here at x = 1, orders 1-3, equal to PyTorch's."""
    x = Tensor(np.float64(1.0), requires_grad=True)
    xt = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    g, gt = F.tanh(x), torch.tanh(xt)
    t = np.tanh(1.0)
    closed = [1 - t ** 2, -2 * t * (1 - t ** 2), (6 * t ** 2 - 2) * (1 - t ** 2)]
    for order in range(3):
        g = grad(g, x, create_graph=True)
        (gt,) = torch.autograd.grad(gt, xt, create_graph=True)
        assert float(g) == pytest.approx(gt.item(), rel=1e-13) == pytest.approx(closed[order], rel=1e-13)


def mlp_loss(params, x, t, library):
    w1, b1, w2, b2 = params
    if library == "ours":
        return F.cross_entropy(F.tanh(x @ w1 + b1) @ w2 + b2, t)
    return tF.cross_entropy(torch.tanh(x @ w1 + b1) @ w2 + b2, torch.tensor(t))


def test_hessian_vector_product_of_an_mlp_loss():
    r = np.random.default_rng(3)
    arrays = [r.normal(size=(4, 6)), r.normal(size=6), r.normal(size=(6, 3)), r.normal(size=3)]
    x, t = r.normal(size=(5, 4)), np.array([0, 2, 1, 1, 0])
    v = [r.normal(size=a.shape) for a in arrays]
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    g = grad(mlp_loss(ours, Tensor(x), t, "ours"), ours, create_graph=True)
    hv = grad(sum((gi * vi).sum() for gi, vi in zip(g, v, strict=True)), ours)
    gt = torch.autograd.grad(mlp_loss(theirs, torch.tensor(x), t, "torch"), theirs, create_graph=True)
    st = sum((gi * torch.tensor(vi)).sum() for gi, vi in zip(gt, v, strict=True))
    hvt = torch.autograd.grad(st, theirs)
    for a, b in zip(hv, hvt, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)
    # and the product is the Hessian's: H v by central differences of the gradient
    eps = 1e-5

    def gradient_at(shift):
        ps = [Tensor(a + shift * d, requires_grad=True) for a, d in zip(arrays, v, strict=True)]
        return [gi.numpy() for gi in grad(mlp_loss(ps, Tensor(x), t, "ours"), ps)]

    numeric = [(p - m) / (2 * eps) for p, m in zip(gradient_at(eps), gradient_at(-eps), strict=True)]
    for a, n in zip(hv, numeric, strict=True):
        np.testing.assert_allclose(a.numpy(), n, rtol=1e-5, atol=1e-7)


def cnn(params, x, library):
    w, b, w2 = params
    if library == "ours":
        h = F.max_pool2d(F.tanh(F.conv2d(x, w, b, padding=1)), 2)
        return F.linear(F.flatten(h), w2)
    h = tF.max_pool2d(torch.tanh(tF.conv2d(x, w, b, padding=1)), 2)
    return h.flatten(1) @ w2


def test_double_backward_through_conv2d_and_max_pool2d():
    r = np.random.default_rng(4)
    arrays = [r.normal(size=(3, 2, 3, 3)), r.normal(size=3), r.normal(size=(3 * 3 * 3, 4))]
    x = r.normal(size=(2, 2, 6, 6))
    xs, xts = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    (gx,) = grad(F.cross_entropy(cnn(ours, xs, "ours"), [0, 3]), [xs], create_graph=True)
    (gxt,) = torch.autograd.grad(tF.cross_entropy(cnn(theirs, xts, "torch"), torch.tensor([0, 3])), [xts],
                                 create_graph=True)
    np.testing.assert_allclose(gx.numpy(), gxt.detach().numpy(), rtol=1e-10, atol=1e-12)
    penalty, penalty_t = (gx * gx).sum(), (gxt * gxt).sum()
    found = grad(penalty, [*ours, xs])
    found_t = torch.autograd.grad(penalty_t, [*theirs, xts])
    for a, b in zip(found, found_t, strict=True):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-9, atol=1e-12)


def test_a_gradient_penalty_used_in_training_follows_pytorch_step_by_step():
    """loss = CE + 0.1 ||dCE/dx||^2, minimised by SGD for 3 steps: the parameters stay PyTorch's."""
    from scratchdl.optim import SGD

    r = np.random.default_rng(5)
    arrays = [r.normal(size=(2, 1, 3, 3)) * 0.5, np.zeros(2), r.normal(size=(2 * 3 * 3, 3)) * 0.5]
    x, t = r.normal(size=(4, 1, 6, 6)), np.array([0, 1, 2, 1])
    ours = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    opt = SGD(ours, lr=0.1)               # PyTorch's side by hand: torch.optim's first step costs seconds
    for _ in range(3):
        xs, xts = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ce = F.cross_entropy(cnn(ours, xs, "ours"), t)
        (gx,) = grad(ce, [xs], create_graph=True)
        loss = ce + 0.1 * (gx * gx).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        ce_t = tF.cross_entropy(cnn(theirs, xts, "torch"), torch.tensor(t))
        (gxt,) = torch.autograd.grad(ce_t, [xts], create_graph=True)
        loss_t = ce_t + 0.1 * (gxt * gxt).sum()
        for p in theirs:
            p.grad = None
        loss_t.backward()
        with torch.no_grad():
            for p in theirs:
                p -= 0.1 * p.grad
        assert float(loss) == pytest.approx(loss_t.item(), rel=1e-10)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-9, atol=1e-12)
