"""The callbacks a learner adds to ``fit``: the line printed per epoch, early stopping on a loss or
an accuracy (higher is better), with patience and a smallest improvement."""

import io

import pytest

from scratchdl.train import EarlyStopping, History, TrainContext, TrainState
from scratchdl.train.callbacks import EpochLog, format_epoch


def context(rows):
    return TrainContext(None, None, None, None, TrainState(history=History(rows)), epochs=10)


def test_one_line_per_epoch_with_dashes_for_what_was_not_measured():
    row = {"epoch": 3, "train_loss": 0.123456, "train_accuracy": 0.965, "test_loss": None,
           "test_accuracy": None, "seconds": 1.234}
    assert format_epoch(row) == "epoch   3  train loss 0.1235  acc 0.9650  test loss -  acc -  1.23 s"
    assert format_epoch({"epoch": 12, "train_loss": 2.0}) == (
        "epoch  12  train loss 2.0000  acc -  test loss -  acc -  0.00 s")
    out = io.StringIO()
    EpochLog(out).on_epoch_end(context([{"epoch": 1, "train_loss": 0.5}, row]))
    assert out.getvalue() == format_epoch(row) + "\n"


def test_epoch_log_prints_to_stdout_by_default(capsys):
    EpochLog().on_epoch_end(context([{"epoch": 1, "train_loss": 0.5}]))
    assert capsys.readouterr().out.startswith("epoch   1  train loss 0.5000")


def run(stopper, values, key="test_loss"):
    """The epoch at which ``stopper`` stops a run whose ``key`` takes ``values``, or None."""
    rows = []
    for epoch, value in enumerate(values, 1):
        rows.append({"epoch": epoch, key: value})
        ctx = context(rows)
        stopper.on_epoch_end(ctx)
        if ctx.state.stop:
            return epoch
    return None


@pytest.mark.parametrize(("patience", "values", "stops_at"), [
    (2, [1.0, 0.9, 0.95, 0.92, 0.8], 4),        # two epochs without a new best
    (2, [1.0, 0.9, 0.95, 0.85, 0.9, 0.88], 6),  # a new best resets the count
    (1, [1.0, 1.0], 2),                          # equal is no improvement
    (3, [1.0, 0.9, 0.8, 0.7], None),
])
def test_early_stopping_on_a_loss(patience, values, stops_at):
    assert run(EarlyStopping(patience=patience), values) == stops_at


def test_early_stopping_on_an_accuracy_wants_it_higher():
    assert run(EarlyStopping(patience=2, monitor="test_accuracy"), [0.5, 0.6, 0.7, 0.65, 0.69],
               key="test_accuracy") == 5
    assert run(EarlyStopping(patience=1, monitor="train_accuracy"), [0.5, 0.4], key="train_accuracy") == 2


def test_an_improvement_smaller_than_min_delta_does_not_count():
    assert run(EarlyStopping(patience=2, min_delta=0.1), [1.0, 0.95, 0.85, 0.7]) is None
    assert run(EarlyStopping(patience=2, min_delta=0.1), [1.0, 0.95, 0.91, 0.5]) == 3
    stopper = EarlyStopping(patience=2, min_delta=0.1)
    run(stopper, [1.0, 0.95])
    assert stopper.best == 1.0 and stopper.bad_epochs == 1


def test_a_number_not_measured_is_not_watched():
    stopper = EarlyStopping(patience=1)  # test_loss, but the run has no test data
    assert run(stopper, [None, None, None]) is None and stopper.best is None and stopper.bad_epochs == 0


def test_on_an_accuracy_min_delta_is_the_smallest_rise_that_counts():
    stopper = EarlyStopping(patience=2, monitor="test_accuracy", min_delta=0.1)
    assert run(stopper, [0.5, 0.56, 0.58, 0.9], key="test_accuracy") == 3  # rises under 0.1 do not count


def test_patience_is_five_epochs_by_default():
    assert run(EarlyStopping(), [1.0] * 10) == 6
