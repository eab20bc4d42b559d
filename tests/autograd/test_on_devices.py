"""The same graph on the CPU (NumPy) and on a GPU (CuPy, when one is usable): the operations take
their array library from their input, so the values and gradients agree."""

import numpy as np

from scratchdl.autograd import Tensor, grad
from scratchdl.autograd import functional as F


def network(device, arrays, x):
    w1, b1, w2, gamma, beta = (Tensor(device.array(a), requires_grad=True) for a in arrays)
    xt = Tensor(device.array(x), requires_grad=True)
    h = F.relu(F.conv2d(xt, w1, b1, padding=1))
    stats = device.array(np.zeros(3)), device.array(np.ones(3))
    h = F.batch_norm(F.max_pool2d(h, 2), *stats, gamma, beta, training=True)
    h = F.avg_pool2d(h, 2, 1) if h.shape[2] > 1 else h
    logits = F.linear(F.flatten(h), w2)
    loss = F.cross_entropy(logits, np.array([0, 2]))
    (gx,) = grad(loss, [xt], create_graph=True)
    total = loss + 0.1 * (gx * gx).sum()              # a gradient penalty: second derivatives too
    total.backward()
    return [device.numpy(t.grad.data) for t in (w1, b1, w2, gamma, beta, xt)], float(total)


def test_the_same_values_and_gradients_on_each_device(device):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 2, 6, 6))
    arrays = [rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3), rng.normal(size=(3 * 2 * 2, 4)),
              np.ones(3), np.zeros(3)]

    class Host:
        def array(self, a):
            return a

        def numpy(self, a):
            return np.asarray(a)

    want_grads, want = network(Host(), arrays, x)
    grads, value = network(device, arrays, x)
    assert abs(value - want) <= 1e-10 * abs(want)
    for g, w in zip(grads, want_grads, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-12)
