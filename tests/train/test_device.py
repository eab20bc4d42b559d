"""Training on a device: where ``fit`` and ``evaluate`` run, what moves (once) and when values are
read back to the host.

Without a GPU the real code runs on the CPU, and the routing is proven by counting: how often
batches are moved (``to_device``) and how often the running sums are read (``to_numpy``). Where a
test needs ``fit`` to believe it is on a GPU, a stand-in device "fake" keeps NumPy arrays and
only changes which path the loop takes; it computes nothing itself.
"""

import sys

import numpy as np
import pytest

import scratchdl
from scratchdl import checkpoint, data, nn, optim
from scratchdl.errors import DeviceError
from scratchdl.models import MLP
from scratchdl.train import Callback, Checkpointing, TrainingDiverged, evaluate, fit, loop
from scratchdl.train import device as train_device


def setup(seed=0, dropout=0.2):
    scratchdl.seed(seed)
    model = MLP([2, 32, 32, 3], dropout=dropout, batchnorm=True)
    return model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.02)


def spiral():
    return data.load_splits("spiral", seed=0)  # 240 training samples: 8 batches of 32


class FloatLoss:
    """Cross-entropy as a plain callable returning a Python float (no ``check``/``value``): the
    way every step's loss was summed on the host before device sums."""

    def __init__(self):
        self.inner = nn.CrossEntropyLoss()

    def __call__(self, y, t):
        return self.inner(y, t)

    def backward(self):
        return self.inner.backward()


class Counter:
    """Wraps a function and counts its calls (arguments kept)."""

    def __init__(self, function):
        self.function, self.calls = function, []

    def __call__(self, *args):
        self.calls.append(args)
        return self.function(*args)


def weights(model):
    return {k: v.copy() for k, v in model.state_dict().items()}


# ---- placing the model --------------------------------------------------------------------------
def test_device_none_is_where_the_parameters_are():
    model, _, _ = setup()
    assert train_device.model_device(model) == "cpu"
    assert train_device.model_device(nn.Sequential(nn.ReLU())) == "cpu"
    assert train_device.place(model) == "cpu"


def test_placing_on_the_device_it_is_on_moves_nothing():
    model, loss_fn, opt = setup()
    train, _ = spiral()
    fit(model, loss_fn, opt, train, epochs=1, progress=False)
    params = [p.data for p in model.parameters()]
    moments = [s["exp_avg"] for s in opt.state]
    assert train_device.place(model, "cpu", opt) == "cpu"
    assert all(p.data is a for p, a in zip(model.parameters(), params, strict=True))
    assert all(s["exp_avg"] is m for s, m in zip(opt.state, moments, strict=True))


def test_fit_on_cuda_without_cupy_fails_before_touching_anything(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)
    model, loss_fn, opt = setup()
    train, _ = spiral()
    before = weights(model)
    with pytest.raises(DeviceError, match="CuPy is not installed"):
        fit(model, loss_fn, opt, train, epochs=1, progress=False, device="cuda")
    with pytest.raises(DeviceError, match="CuPy is not installed"):
        evaluate(model, loss_fn, train, device="cuda")
    for name, array in model.state_dict().items():
        assert np.array_equal(array, before[name]) and isinstance(array, np.ndarray)


def test_fit_moves_the_model_and_the_optimizer_state_to_the_device(monkeypatch):
    """A named device moves the parameters (Module.to) and every optimizer moment (Optimizer.to);
    recorded, not performed, since there is no GPU."""
    model, loss_fn, opt = setup()
    train, _ = spiral()
    fit(model, loss_fn, opt, train, epochs=1, progress=False)
    moved = []
    monkeypatch.setattr(train_device, "check_device", lambda name: name)
    monkeypatch.setattr(type(model), "to", lambda self, dtype=None, device=None: moved.append(device) or self)
    monkeypatch.setattr(optim.optimizer, "to_device", lambda a, device: moved.append((a, device)) or a)
    assert train_device.place(model, "cuda", opt) == "cuda"
    assert moved[0] == "cuda"
    expected = [id(a) for s in opt.state for a in s.values()]
    assert len(expected) == 2 * len(opt.params)  # Adam: exp_avg and exp_avg_sq per parameter
    assert sorted(id(a) for a, d in moved[1:] if d == "cuda") == sorted(expected)


def test_optimizer_to_cpu_keeps_its_arrays():
    model, loss_fn, opt = setup()
    fit(model, loss_fn, opt, spiral()[0], epochs=1, progress=False)
    before = [dict(s) for s in opt.state]
    assert opt.to("cpu") is opt
    assert all(s[k] is b[k] for s, b in zip(opt.state, before, strict=True) for k in b)


# ---- exactly the same numbers -------------------------------------------------------------------
def test_device_sums_equal_the_host_sums_bit_for_bit():
    """Loss and accuracy summed where the model is (``value``, device="cpu" or None) give the
    very history and weights of a run whose every step's loss is a host float (``FloatLoss``),
    and the train loss is the Python sum ``loss_sum += loss * n`` of those floats, bit for bit
    (batches of 24, so that the products are rounded)."""
    train, test = spiral()
    runs = []
    for loss_fn, device in ((FloatLoss(), None), (nn.CrossEntropyLoss(), None),
                            (nn.CrossEntropyLoss(), "cpu")):
        model, _, opt = setup(seed=4)
        state = fit(model, loss_fn, opt, train, test, epochs=3, batch_size=24, seed=2, progress=False,
                    device=device)
        runs.append(([{k: v for k, v in row.items() if k not in ("seconds", "samples_per_second")}
                      for row in state.history], weights(model)))
    (history, reference), *others = runs
    assert history[-1]["train_accuracy"] > 0.5
    for other_history, other_weights in others:
        assert other_history == history
        for name in reference:
            assert np.array_equal(other_weights[name], reference[name]), name

    losses = []

    class Recording(FloatLoss):
        def __call__(self, y, t):
            losses.append((self.inner(y, t), len(y)))
            return losses[-1][0]

    model, _, opt = setup(seed=4)
    fit(model, Recording(), opt, train, epochs=3, batch_size=24, seed=2, progress=False)
    for epoch in range(3):
        loss_sum = 0.0
        for loss, n in losses[10 * epoch:10 * (epoch + 1)]:
            loss_sum += loss * n
        assert loss_sum / len(train) == history[epoch]["train_loss"]


# ---- what moves and what is read ----------------------------------------------------------------
def test_each_batch_is_moved_once(monkeypatch):
    moves = Counter(loop.to_device)
    monkeypatch.setattr(loop, "to_device", moves)
    model, loss_fn, opt = setup()
    train, _ = spiral()
    fit(model, loss_fn, opt, train, epochs=2, batch_size=32, progress=False)
    steps = 2 * 8
    assert len(moves.calls) == 2 * steps  # x and t of each batch, nothing else
    xs = [args[0] for args in moves.calls[0::2]]
    ts = [args[0] for args in moves.calls[1::2]]
    assert all(x.ndim == 2 and x.shape[1] == 2 for x in xs) and all(t.ndim == 1 for t in ts)
    assert sum(len(x) for x in xs) == 2 * len(train)
    assert {args[1] for args in moves.calls} == {"cpu"}


@pytest.mark.parametrize("read_every, epochs, reads", [
    (float("inf"), 3, 3),   # only at the end of each epoch
    (0.0, 2, 2 * 8),        # a progress update after every step, none more at the epoch's end
])
def test_sums_are_read_only_at_progress_updates_and_epoch_ends(monkeypatch, read_every, epochs, reads):
    monkeypatch.setattr(loop, "READ_EVERY", read_every)
    host_reads = Counter(train_device.to_numpy)
    monkeypatch.setattr(train_device, "to_numpy", host_reads)
    model, loss_fn, opt = setup()
    train, _ = spiral()
    state = fit(model, loss_fn, opt, train, epochs=epochs, batch_size=32, progress=False)
    assert len(host_reads.calls) == reads
    assert len(state.history) == epochs


def test_a_checkpoint_reads_the_sums_it_saves(monkeypatch, tmp_path):
    """Callbacks see fresh sums through ``progress()``: one read per save, none between."""
    monkeypatch.setattr(loop, "READ_EVERY", float("inf"))
    host_reads = Counter(train_device.to_numpy)
    monkeypatch.setattr(train_device, "to_numpy", host_reads)
    model, loss_fn, opt = setup()
    train, _ = spiral()
    saved = []

    class Record(Callback):
        def on_step_end(self, ctx):
            if ctx.state.global_step % 3 == 0:
                saved.append(ctx.state.progress())

    fit(model, loss_fn, opt, train, epochs=1, batch_size=32, progress=False, callbacks=[Record()])
    assert [p["step"] for p in saved] == [3, 6]
    assert len(host_reads.calls) == 2 + 1  # two saves, then the epoch end (step 8)
    reference_model, _, reference_opt = setup()
    state = fit(reference_model, FloatLoss(), reference_opt, train, epochs=1, batch_size=32,
                progress=False, callbacks=[Record()])
    assert saved[:2] == saved[2:]  # the device sums at steps 3 and 6 equal the host floats
    assert state.history[0]["train_loss"] > 0


def test_checkpoints_hold_host_copies_of_every_array(monkeypatch, tmp_path):
    """Every weight, buffer and optimizer moment goes through ``to_numpy`` on its way to disk (a
    CuPy array becomes a NumPy copy there), and a checkpoint loads as NumPy arrays."""
    host_copies = Counter(checkpoint.to_numpy)
    monkeypatch.setattr(checkpoint, "to_numpy", host_copies)
    model, loss_fn, opt = setup()
    saver = Checkpointing(tmp_path, meta={"model": {"name": "mlp", "config": model.config}})
    fit(model, loss_fn, opt, spiral()[0], epochs=1, progress=False, callbacks=[saver])
    copied = {id(args[0]) for args in host_copies.calls}
    arrays = [*model.state_dict().values(), *opt.state_dict()["state"].values()]
    assert len(arrays) > len(list(model.parameters())) and {id(a) for a in arrays} <= copied
    ckpt = checkpoint.load(tmp_path)
    assert all(type(a) is np.ndarray for a in [*ckpt.model_state.values(), *ckpt.optimizer_state.values()])
    restored = checkpoint.build_model(ckpt.meta)
    checkpoint.restore(ckpt, restored)
    assert train_device.model_device(restored) == "cpu"


# ---- a stand-in device: the GPU path of the loop ------------------------------------------------
@pytest.fixture
def fake_device(monkeypatch):
    """fit believes it runs on device "fake": arrays stay NumPy, moves are recorded."""
    monkeypatch.setattr(loop, "place", lambda model, device, optimizer: "fake")
    monkeypatch.setattr(loop, "to_device", lambda a, device: a)
    monkeypatch.setattr(train_device, "to_device", lambda a, device: np.asarray(a))


def test_on_a_device_fit_trains_the_same(fake_device):
    train, test = spiral()
    model, loss_fn, opt = setup(seed=1)
    state = fit(model, loss_fn, opt, train, test, epochs=2, progress=False)
    assert state.history[-1]["train_loss"] < state.history[0]["train_loss"]


def diverging():
    """A run whose loss is first NaN at step 2 (Adam with lr 1e30)."""
    model, loss_fn, opt = setup(dropout=0.0)
    opt.lr = 1e30
    return model, loss_fn, opt


def test_on_the_cpu_divergence_stops_before_the_bad_step():
    model, loss_fn, opt = diverging()
    with pytest.raises(TrainingDiverged, match=r"epoch 1, step 2; stopped before applying that step"):
        fit(model, loss_fn, opt, spiral()[0], epochs=5, batch_size=32, progress=False)


def test_on_a_device_divergence_is_caught_at_the_next_read(fake_device, monkeypatch):
    """No host read per step: the NaN of step 2 is seen at the next read (here after step 5, as
    at a progress update), and steps 2-5 have been applied."""
    monkeypatch.setattr(loop, "READ_EVERY", float("inf"))

    class ReadEvery5(Callback):
        def on_step_end(self, ctx):
            if ctx.state.global_step % 5 == 0:
                ctx.state.sync()

    model, loss_fn, opt = diverging()
    with pytest.raises(TrainingDiverged, match=r"epoch 1, steps 1-5; read back from the device only at "
                                               r"progress updates, so those steps were applied"):
        fit(model, loss_fn, opt, spiral()[0], epochs=5, batch_size=32, progress=False,
            callbacks=[ReadEvery5()])
    assert not all(np.isfinite(p.data).all() for p in model.parameters())


def test_on_a_device_a_checkpoint_never_holds_a_diverged_run(fake_device, monkeypatch, tmp_path):
    monkeypatch.setattr(loop, "READ_EVERY", float("inf"))
    model, loss_fn, opt = diverging()
    saver = Checkpointing(tmp_path, meta={"model": {"name": "mlp", "config": model.config}}, every_steps=1)
    with pytest.raises(TrainingDiverged, match=r"epoch 1, step 2; read back"):
        fit(model, loss_fn, opt, spiral()[0], epochs=5, batch_size=32, progress=False, callbacks=[saver])
    meta = checkpoint.read_meta(tmp_path)
    assert meta["global_step"] == 1 and np.isfinite(meta["progress"]["loss_sum"])
    assert all(np.isfinite(a).all() for a in checkpoint.load(tmp_path).model_state.values())
