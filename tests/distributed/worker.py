"""Run under ``mpiexec -n N python worker.py MODE ...`` by the tests (or alone, as one process).

- ``dp OUT DTYPE``: the README's data-parallel loop (``DataParallel``, ``ShardedLoader``, the four
  lines) on the spiral, 2 epochs, global batch 11 of 240 samples; rank 0 saves the weights to OUT.
- ``raise STEP``: ``fit`` under ``RankRunner``; the last rank raises at global step STEP, as a
  full disk or bad data would; the other ranks carry on into the next all-reduce.
"""

import sys

import numpy as np

from scratchdl import data, distributed, models, optim
from scratchdl.nn import CrossEntropyLoss
from scratchdl.train import Callback, fit


def data_parallel(out, dtype):
    train, _ = data.load_splits("spiral", seed=0, dtype=dtype)
    model = models.MLP([2, 16, 16, 3], rng=np.random.default_rng(1), dtype=dtype)
    model = distributed.DataParallel(model)  # rank 0's weights everywhere; backward all-reduces
    loss_fn = CrossEntropyLoss()
    optimizer = optim.Momentum(model.parameters(), lr=0.1)
    loader = distributed.ShardedLoader(train, batch_size=11, seed=4)
    for epoch in range(2):
        for x, t in loader.epoch(epoch):
            y = model(x)
            loss = loss_fn(y, t)
            optimizer.zero_grad()
            model.backward(loss_fn.backward())
            optimizer.step()
        print(f"rank {distributed.rank()}: last loss {loss:.4f}")
    if distributed.rank() == 0:
        np.savez(out, **model.state_dict())


class RaiseAt(Callback):
    def __init__(self, step, rank):
        self.step, self.rank = step, rank

    def on_step_end(self, ctx):
        if ctx.state.global_step == self.step and ctx.comm.rank == self.rank:
            raise OSError(28, "No space left on device", "/full/disk/checkpoint.json")


def raising(step):
    comm = distributed.world()
    train, test = data.load_splits("spiral", seed=0)
    model = models.MLP([2, 16, 3], rng=np.random.default_rng(1))
    optimizer = optim.SGD(model.parameters(), lr=0.1)

    def main():
        distributed.RankRunner.ready(runner)
        fit(model, CrossEntropyLoss(), optimizer, train, test, epochs=10**6, batch_size=8,
            callbacks=[RaiseAt(step, comm.size - 1)], progress=False, comm=comm)
        return 0

    runner = distributed.RankRunner(comm, "worker")
    return runner.run(main)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "dp":
        data_parallel(sys.argv[2], sys.argv[3])
    elif mode == "raise":
        sys.exit(raising(int(sys.argv[2])))
