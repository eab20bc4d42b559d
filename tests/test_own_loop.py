"""A newcomer's hand-written loop works the first time: ``DataLoader((x, t))`` of their own arrays,
``nn.Sequential``, ``optim.SGD``, ``checkpoint.save`` / ``load`` / ``restore``; a run stopped, saved
and restored into new objects ends bit for bit where the uninterrupted run ends."""

import numpy as np

from scratchdl import checkpoint, data, nn, optim


def arrays():
    """The digits as a learner holds them after the book's ``load_mnist``: plain float and int arrays."""
    train = data.load("digits", split="train")
    return np.asarray(train.x).reshape(len(train.x), -1), np.asarray(train.t).astype(np.int64)


def build():
    rng = np.random.default_rng(0)
    net = nn.Sequential(nn.Linear(64, 32, rng=rng), nn.ReLU(), nn.Linear(32, 10, rng=rng))
    return net, optim.SGD(net.parameters(), lr=0.1, momentum=0.9)


def train(net, opt, loader, epochs):
    loss_fn = nn.CrossEntropyLoss()
    for e in epochs:
        for x, t in loader.epoch(e):
            assert t.dtype == np.int64
            loss = loss_fn(net(x), t)
            opt.zero_grad()
            net.backward(loss_fn.backward())
            opt.step()
    return float(loss)


def test_hand_written_loop_learns_saves_and_resumes_exactly(tmp_path):
    x, t = arrays()
    loader = data.DataLoader((x, t), batch_size=50, seed=0)

    net, opt = build()
    train(net, opt, loader, range(6))
    accuracy = (net(x).argmax(axis=1) == t).mean()
    assert accuracy > 0.95

    stopped, opt_stopped = build()
    train(stopped, opt_stopped, loader, range(3))
    path = checkpoint.save(tmp_path / "run", stopped, opt_stopped, meta={"epoch": 3})
    ckpt = checkpoint.load(path)
    assert "epoch 3" in repr(ckpt) and "0.weight" in repr(ckpt)
    resumed, opt_resumed = build()
    checkpoint.restore(ckpt, resumed, opt_resumed)
    train(resumed, opt_resumed, loader, range(ckpt.meta["epoch"], 6))
    for (name, a), b in zip(net.state_dict().items(), resumed.state_dict().values(), strict=True):
        np.testing.assert_array_equal(a, b, err_msg=name)
