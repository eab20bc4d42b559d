"""The history a learner plots and reads: its table in Jupyter, its CSV and JSON, its curves."""

import json

import numpy as np

from scratchdl.plotting import pyplot
from scratchdl.train import History, draw_curves

ROWS = [{"epoch": 1, "train_loss": 0.5, "train_accuracy": 0.75, "test_loss": None, "test_accuracy": None,
         "lr": 0.1, "seconds": 1.25, "samples_per_second": 192.0, "processes": 1},
        {"epoch": 2, "train_loss": 0.123456, "train_accuracy": np.float64(0.875), "test_loss": None,
         "test_accuracy": None, "lr": 0.05, "seconds": 1.0, "samples_per_second": 240.0, "processes": 1}]


def test_the_jupyter_table_shows_the_measured_columns():
    assert History(ROWS)._repr_html_() == (
        "<table><thead><tr><th>epoch</th><th>train_loss</th><th>train_accuracy</th><th>lr</th>"
        "<th>seconds</th><th>samples_per_second</th><th>processes</th></tr></thead><tbody>"
        "<tr><td>1</td><td>0.5</td><td>0.75</td><td>0.1</td><td>1.25</td><td>192</td><td>1</td></tr>"
        "<tr><td>2</td><td>0.1235</td><td>0.875</td><td>0.05</td><td>1</td><td>240</td><td>1</td></tr>"
        "</tbody></table>")
    partly = History([{"epoch": 1, "test_loss": None}, {"epoch": 2, "test_loss": 0.5}])._repr_html_()
    assert "<th>test_loss</th>" in partly and "<tr><td>1</td><td></td></tr>" in partly  # not measured: empty


def test_csv_has_every_column_in_order_and_empty_cells_for_none():
    lines = History(ROWS).to_csv().splitlines()
    assert lines == ["epoch,train_loss,train_accuracy,test_loss,test_accuracy,lr,seconds,samples_per_second,"
                     "processes",
                     "1,0.5,0.75,,,0.1,1.25,192.0,1",
                     "2,0.123456,0.875,,,0.05,1.0,240.0,1"]
    assert History([{"epoch": 1, "extra": 3}]).to_csv().splitlines()[1] == "1,,,,,,,,"


def test_save_writes_json_csv_and_curves(tmp_path):
    history = History(ROWS)
    history.save(tmp_path)
    assert json.loads((tmp_path / "history.json").read_text())[1]["lr"] == 0.05
    assert (tmp_path / "history.csv").read_text() == history.to_csv()
    assert (tmp_path / "curves.png").read_bytes().startswith(b"\x89PNG")
    (tmp_path / "no_curves").mkdir()
    History(ROWS).save(tmp_path / "no_curves", curves=False)
    assert sorted(p.name for p in (tmp_path / "no_curves").iterdir()) == ["history.csv", "history.json"]
    History().save_curves(tmp_path / "no_curves")  # an empty history draws nothing
    assert not (tmp_path / "no_curves" / "curves.png").exists()
    assert History(ROWS).column("lr") == [0.1, 0.05] and History(ROWS).column("missing") == [None, None]


def test_the_curves_show_loss_and_accuracy_per_epoch_train_and_test():
    rows = [{"epoch": 1, "train_loss": 0.9, "train_accuracy": 0.6, "test_loss": 1.0, "test_accuracy": 0.5},
            {"epoch": 2, "train_loss": 0.4, "train_accuracy": 0.8, "test_loss": 0.7, "test_accuracy": 0.7}]
    fig = draw_curves(History(rows))
    loss, acc = fig.axes
    assert (loss.get_title(), loss.get_xlabel(), loss.get_ylabel()) == ("Loss", "epoch", "cross-entropy")
    assert (acc.get_title(), acc.get_xlabel(), acc.get_ylabel()) == ("Accuracy", "epoch", "accuracy")
    assert acc.get_ylim() == (0, 1.01)
    for ax, metric in ((loss, "loss"), (acc, "accuracy")):
        lines = {line.get_label(): line for line in ax.get_lines()}
        assert sorted(lines) == ["test", "train"]
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "test"]
        for split, (style, marker) in (("train", ("-", "o")), ("test", ("--", "s"))):
            line = lines[split]
            assert (line.get_linestyle(), line.get_marker()) == (style, marker)
            assert list(line.get_xdata()) == [1, 2]
            assert list(line.get_ydata()) == [r[f"{split}_{metric}"] for r in rows]
    only_train = draw_curves(History([{k: v for k, v in r.items() if "test" not in k} for r in rows]), fig)
    assert fig is only_train and [line.get_label() for line in fig.axes[0].get_lines()] == ["train"]
    pyplot().close(fig)
