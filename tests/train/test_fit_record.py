"""What ``fit`` shows and records beyond the weights: the progress bar a learner watches in a
terminal, each history row's numbers against their definitions, a regression run's test loss, the
default shuffling seed, the checkpoint's "finished" flag and the epoch line's flush."""

import io
import sys

import numpy as np
import pytest
from test_fit import spiral

import scratchdl
from scratchdl import checkpoint, data, nn, optim
from scratchdl.models import MLP
from scratchdl.train import Callback, Checkpointing, TrainState, fit, loop
from scratchdl.train.callbacks import EpochLog, format_epoch


def classifier(seed=0):
    scratchdl.seed(seed)
    model = MLP([2, 16, 3])
    return model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1)


class RecordedBar:
    """Stands in for tqdm: keeps what ``fit`` asked the bar to show."""

    made: list = []

    def __init__(self, **kwargs):
        self.kwargs, self.postfixes, self.updates, self.closed = kwargs, [], 0, False
        RecordedBar.made.append(self)

    def update(self):
        self.updates += 1

    def set_postfix(self, **values):
        self.postfixes.append(values)

    def close(self):
        self.closed = True


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def bars(monkeypatch):
    RecordedBar.made = []
    monkeypatch.setattr(loop, "progress_bar", RecordedBar)
    monkeypatch.setattr(loop, "READ_EVERY", 0.0)  # a postfix after every step
    return RecordedBar.made


def test_in_a_terminal_the_bar_shows_the_epoch_its_batches_and_the_running_numbers(bars, monkeypatch):
    monkeypatch.setattr(sys, "stderr", Terminal())
    train, test = spiral()
    model, loss_fn, opt = classifier()
    state = fit(model, loss_fn, opt, train, test, epochs=2, batch_size=32, progress=True)
    batches = -(-len(train) // 32)
    assert [bar.kwargs for bar in bars] == [
        dict(total=batches, initial=0, desc=f"epoch {e}/2", disable=False, leave=False, unit="batch")
        for e in (1, 2)]
    for bar, row in zip(bars, state.history, strict=True):
        assert bar.updates == batches and bar.closed and len(bar.postfixes) == batches
        last = bar.postfixes[-1]
        assert last["loss"] == f"{row['train_loss']:.4f}" and last["acc"] == f"{row['train_accuracy']:.3f}"
        # samples per second so far: the epoch's rate, give or take the time outside the steps
        assert 0.3 < float(last["samples_s"]) / row["samples_per_second"] < 3


def test_no_bar_where_nobody_watches(bars, monkeypatch):
    train, test = spiral()
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # redirected to a file
    fit(*classifier(), train, None, epochs=1, batch_size=32, progress=True)
    monkeypatch.setattr(sys, "stderr", Terminal())
    fit(*classifier(), train, None, epochs=1, batch_size=32, progress=False)
    assert [bar.kwargs["disable"] for bar in bars] == [True, True]


def test_a_resumed_epoch_starts_its_bar_at_the_step_reached(bars):
    train, _ = spiral()
    model, loss_fn, opt = classifier()
    state = TrainState(epoch=0, step=3)
    fit(model, loss_fn, opt, train, None, epochs=1, batch_size=32, progress=False, state=state)
    assert bars[0].kwargs["initial"] == 3


def test_each_row_is_what_its_name_says():
    train, _ = spiral()
    model, loss_fn, opt = classifier()
    row = fit(model, loss_fn, opt, train, None, epochs=1, batch_size=32, progress=False).history[0]
    assert set(row) == {"epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "lr",
                        "seconds", "samples_per_second", "processes"}
    assert row["test_loss"] is None and row["test_accuracy"] is None and row["processes"] == 1
    assert 0 < row["train_accuracy"] <= 1
    assert row["samples_per_second"] == pytest.approx(len(train) / row["seconds"])


def test_a_regression_run_records_its_test_loss_and_no_accuracy():
    train, test = data.load_splits("sine", seed=0)
    scratchdl.seed(0)
    model = MLP([1, 16, 1])
    loss_fn = nn.MSELoss()
    state = fit(model, loss_fn, optim.Adam(model.parameters(), lr=0.01), train, test, epochs=2,
                batch_size=32, progress=False)
    row = state.history[-1]
    assert row["train_accuracy"] is None and row["test_accuracy"] is None
    model.eval()
    assert row["test_loss"] == pytest.approx(float(loss_fn(model(test.x), test.t)), rel=1e-6)


def test_fit_shuffles_with_seed_0_unless_told_otherwise():
    train, _ = spiral()
    weights = []
    for kwargs in ({}, {"seed": 0}, {"seed": 1}):
        model, loss_fn, opt = classifier()
        fit(model, loss_fn, opt, train, None, epochs=1, batch_size=32, progress=False, **kwargs)
        weights.append(model.state_dict())
    model, loss_fn, opt = classifier()  # the same epoch by hand, from a shuffling loader seeded 0
    for x, t in data.DataLoader(train, batch_size=32, shuffle=True, seed=0).epoch(0):
        loss_fn(model(x), t)
        opt.zero_grad()
        model.backward(loss_fn.backward())
        opt.step()
    for name, array in model.state_dict().items():
        assert np.array_equal(weights[0][name], array) and np.array_equal(weights[1][name], array), name
    assert any(not np.array_equal(weights[2][k], weights[0][k]) for k in weights[0])


class StopAfter(Callback):
    def __init__(self, steps):
        self.steps = steps

    def on_step_end(self, ctx):
        if ctx.state.global_step == self.steps:
            ctx.state.stop = True


def test_the_checkpoint_says_whether_the_run_is_finished(tmp_path):
    train, _ = spiral()
    model, loss_fn, opt = classifier()
    fit(model, loss_fn, opt, train, None, epochs=2, batch_size=32, progress=False,
        callbacks=[Checkpointing(tmp_path / "a")])
    assert checkpoint.load(tmp_path / "a").meta["finished"] is True
    model, loss_fn, opt = classifier()
    fit(model, loss_fn, opt, train, None, epochs=3, batch_size=32, progress=False,
        callbacks=[Checkpointing(tmp_path / "b"), StopAfter(len(train) // 32 + 2)])
    assert checkpoint.load(tmp_path / "b").meta["finished"] is False


class Flushes(io.StringIO):
    def __init__(self):
        super().__init__()
        self.flushed = []

    def flush(self):
        self.flushed.append(self.getvalue())
        super().flush()


def test_the_epoch_line_is_flushed_as_it_is_printed():
    """Under ``tee`` or a CI log the line must appear at the epoch's end, not when the buffer fills."""
    out = Flushes()
    state = TrainState()
    state.history.append({"epoch": 1, "train_loss": 0.5, "test_loss": 0.25, "test_accuracy": 0.875})
    EpochLog(out).on_epoch_end(loop.TrainContext(None, None, None, None, state, epochs=1))
    assert out.flushed and out.flushed[-1] == out.getvalue()
    assert out.getvalue() == "epoch   1  train loss 0.5000  acc -  test loss 0.2500  acc 0.8750  0.00 s\n"
    assert format_epoch(state.history[-1]) == out.getvalue().rstrip("\n")


def test_curves_png_is_1000_by_400_pixels(tmp_path):
    from PIL import Image

    train, _ = spiral()
    state = fit(*classifier(), train, None, epochs=2, batch_size=32, progress=False)
    state.history.save_curves(tmp_path)
    with Image.open(tmp_path / "curves.png") as image:
        assert image.format == "PNG" and image.size == (1000, 400)


@pytest.mark.filterwarnings("error")
def test_a_class_absent_from_the_test_set_gives_nan_without_a_warning():
    from scratchdl.train import evaluate

    train, test = spiral()
    model, loss_fn, _ = classifier()
    present = test.t != 2
    only_two = data.Dataset(test.x[present], test.t[present], "spiral", num_classes=3)
    result = evaluate(model, loss_fn, only_two)
    assert np.isnan(result.per_class_accuracy[2]) and result.confusion_matrix.dtype == np.int64


@pytest.mark.filterwarnings("error")
def test_a_diverging_run_ends_with_its_own_error_not_a_numpy_warning():
    from scratchdl.train import TrainingDiverged

    train, _ = spiral()
    model, loss_fn, opt = classifier()
    opt.lr = 1e30
    with pytest.raises(TrainingDiverged):
        fit(model, loss_fn, opt, train, None, epochs=50, batch_size=32, progress=False)


def test_a_world_of_one_process_trains_as_no_world():
    from scratchdl.distributed import Comm

    train, test = spiral()
    states = []
    for comm in (None, Comm(None)):
        model, loss_fn, opt = classifier()
        states.append((fit(model, loss_fn, opt, train, test, epochs=2, batch_size=32, progress=False,
                           comm=comm, seed=3), model.state_dict()))
    (a, weights_a), (b, weights_b) = states
    assert [r["train_loss"] for r in a.history] == [r["train_loss"] for r in b.history]
    assert all(np.array_equal(weights_a[k], weights_b[k]) for k in weights_a)
