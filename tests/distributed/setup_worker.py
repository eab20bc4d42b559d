"""Run under ``mpiexec -n N python setup_worker.py MODE ...`` by the tests (or alone, as one process).
Rank 0 prints one JSON line.

- ``seeded``: every rank builds its model from its own seed (rank r: seed 10 + r), as a user who
  seeds per rank (or from the clock) would; one step of ``fit``, and one of the ``DataParallel``
  loop. Prints each rank's weights after that step (gathered) and rank 0's before it.
- ``resume FOLDER STOP``: the history of a run never stopped, and of the same run stopped by Ctrl-C
  after global step STOP (it stops one step later, when every rank has seen the flag) and resumed
  from its checkpoint in FOLDER; the timing columns left out.
"""

import json
import os
import signal
import sys

import numpy as np

import scratchdl
from scratchdl import checkpoint, data, distributed, models, optim
from scratchdl.nn import CrossEntropyLoss
from scratchdl.train import Callback, Checkpointing, TrainState, fit

TIMING = ("seconds", "samples_per_second")


def weights(model):
    return {k: np.asarray(v, dtype=np.float64).tolist() for k, v in model.state_dict().items()}


class After(Callback):
    def __init__(self, step, action):
        self.step, self.action = step, action

    def on_step_end(self, ctx):
        if ctx.state.global_step == self.step:
            self.action(ctx)


def seeded(comm):
    train, _ = data.load_splits("spiral", seed=0, dtype="float64")

    def model():
        return models.MLP([2, 16, 3], rng=np.random.default_rng(10 + comm.rank), dtype="float64")

    net = model()
    initial = weights(net)
    after_fit = {}
    fit(net, CrossEntropyLoss(), optim.SGD(net.parameters(), lr=0.5), train, epochs=1, batch_size=24,
        seed=1, progress=False, comm=comm,
        callbacks=[After(1, lambda ctx: after_fit.update(weights(ctx.model)))])

    wrapped = distributed.DataParallel(model(), comm)  # the README's loop
    loss_fn, opt = CrossEntropyLoss(), optim.SGD(wrapped.parameters(), lr=0.5)
    x, t = next(iter(distributed.ShardedLoader(train, 24, seed=1, rank=comm.rank, size=comm.size).epoch(0)))
    loss_fn(wrapped(x), t)
    opt.zero_grad()
    wrapped.backward(loss_fn.backward())
    opt.step()
    return {"initial": initial, "fit": comm.allgather(after_fit), "loop": comm.allgather(weights(wrapped))}


def resume(comm, folder, stop):
    train_set, test_set = data.load_splits("spiral", seed=0)

    def run(model, opt, scheduler, callbacks=(), state=None):
        return fit(model, CrossEntropyLoss(), opt, train_set, test_set, epochs=3, batch_size=22, seed=7,
                   scheduler=scheduler, progress=False, state=state, callbacks=callbacks, comm=comm)

    def setup():
        scratchdl.seed(3)
        model = models.MLP([2, 16, 16, 3], dropout=0.1)
        opt = optim.Momentum(model.parameters(), lr=0.05)
        return model, opt, optim.StepLR(opt, step_size=1, gamma=0.5)

    reference = run(*setup()).history
    model, opt, scheduler = setup()
    meta = {"model": {"name": "mlp", "config": model.config}}
    saver = [Checkpointing(folder, meta)] if comm.is_root else []  # rank 0 writes, as scratchdl train
    ctrl_c = After(stop, lambda ctx: os.kill(os.getpid(), signal.SIGINT))
    stopped = run(model, opt, scheduler, [ctrl_c, *saver])
    comm.bcast(None)  # rank 0 has written the checkpoint
    ckpt = checkpoint.load(folder)
    model = checkpoint.build_model(ckpt.meta)
    opt = optim.Momentum(model.parameters(), lr=0.05)
    scheduler = optim.StepLR(opt, step_size=1, gamma=0.5)
    checkpoint.restore(ckpt, model, opt, scheduler)
    state = TrainState.from_progress(ckpt.meta["progress"], ckpt.meta["history"])
    resumed = run(model, opt, scheduler, saver, state)

    def rows(history):
        return [{k: v for k, v in row.items() if k not in TIMING} for row in history]

    return {"stopped_at": stopped.global_step, "interrupted": stopped.interrupted,
            "reference": rows(reference), "resumed": rows(resumed.history)}


if __name__ == "__main__":
    comm = distributed.world()
    result = seeded(comm) if sys.argv[1] == "seeded" else resume(comm, sys.argv[2], int(sys.argv[3]))
    if comm.is_root:
        print(json.dumps(result))
