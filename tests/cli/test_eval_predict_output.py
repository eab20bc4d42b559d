"""What ``scratchdl eval`` and ``predict`` print, line by line, for runs whose data comes back only
from the run's own options (a synthetic dataset regenerated from its seed, an .npz file with class
names), checked against the library evaluating the same model on the same split."""

from __future__ import annotations

import numpy as np
import pytest

from scratchdl import checkpoint, data
from scratchdl.nn import CrossEntropyLoss, Softmax
from scratchdl.train import evaluate


@pytest.fixture(scope="module")
def spiral_run(tmp_path_factory):
    from scratchdl.cli import main

    out = tmp_path_factory.mktemp("eval") / "spiral"
    assert main(["train", "--model", "mlp", "--hidden", "8", "--dataset", "spiral", "--seed", "5",
                 "--epochs", "2", "--dtype", "float64", "--no-progress", "--out", str(out)]) == 0
    return out


def _table(confusion, recall, labels):
    """The confusion matrix as eval prints it: columns right-aligned to the widest label or count."""
    width = max(len(s) for s in [*labels, str(confusion.max())])
    lines = [" " * (width + 1) + " ".join(s.rjust(width) for s in labels) + "   recall"]
    for label, row, r in zip(labels, confusion, recall, strict=True):
        lines.append(label.rjust(width) + " " + " ".join(str(v).rjust(width) for v in row) + f"    {r:.3f}")
    return lines


def test_eval_prints_the_runs_own_test_split_evaluated(cli, spiral_run):
    _, test = data.load_splits("spiral", seed=5, dtype="float64")  # the run's seed makes its split
    result = evaluate(checkpoint.load_model(spiral_run).eval(), CrossEntropyLoss(), test)
    status, out, err = cli("eval", spiral_run)
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == (f"test accuracy: {result.accuracy:.4f} on spiral ({len(test)} samples), "
                        f"loss {result.loss:.4f}")
    assert lines[1] == ("confusion matrix (rows: true class, columns: predicted class; recall: the "
                        "fraction of the row's class predicted right)")
    assert lines[2:] == _table(result.confusion_matrix, result.per_class_accuracy, ["0", "1", "2"])
    assert result.confusion_matrix.sum() == len(test) == 60


def test_the_columns_widen_for_long_names_and_large_counts():
    confusion = np.array([[120, 3], [0, 7]])
    lines = _table(confusion, [0.976, 1.0], ["0", "1"])
    assert lines == ["      0   1   recall", "  0 120   3    0.976", "  1   0   7    1.000"]


@pytest.fixture(scope="module")
def named_run(tmp_path_factory):
    """A run on 4x4 images of two named classes: bright top half ("sky") or bright bottom ("sea")."""
    from scratchdl.cli import main

    folder = tmp_path_factory.mktemp("named")
    rng = np.random.default_rng(0)

    def images(n):
        t = rng.integers(0, 2, n)
        x = rng.uniform(0, 0.2, (n, 1, 4, 4))
        for i, k in enumerate(t):
            x[i, 0, :2] += 0.8 if k == 0 else 0.0
            x[i, 0, 2:] += 0.8 if k == 1 else 0.0
        return x, t

    x, t = images(80)
    xt, tt = images(20)
    np.savez(folder / "skysea.npz", x_train=x, t_train=t, x_test=xt, t_test=tt,
             classes=np.array(["sky", "sea"]))
    out = folder / "run"
    assert main(["train", "--model", "mlp", "--hidden", "8", "--dataset", str(folder / "skysea.npz"),
                 "--epochs", "20", "--lr", "0.05", "--no-progress", "--out", str(out)]) == 0
    return out, folder


def test_eval_labels_rows_and_columns_with_the_class_names(cli, named_run):
    run, folder = named_run
    status, out, _ = cli("eval", run)
    assert status == 0
    lines = out.splitlines()
    assert lines[2].split() == ["sky", "sea", "recall"]
    assert [line.split()[0] for line in lines[3:]] == ["sky", "sea"]


def test_predict_names_each_images_class_and_its_probability(cli, named_run):
    run, folder = named_run
    sky, sea = np.zeros((4, 4)), np.zeros((4, 4))
    sky[:2], sea[2:] = 1.0, 1.0
    np.save(folder / "sky.npy", sky)
    np.save(folder / "sea.npy", sea)
    model = checkpoint.load_model(run).eval()
    p = np.asarray(Softmax()(model(np.stack([sky, sea])[:, None].astype(np.float32))))
    status, out, err = cli("predict", "--invert", "no", run, folder / "sky.npy", folder / "sea.npy")
    assert status == 0 and err == ""
    assert out.splitlines() == [f"{folder / 'sky.npy'}: class sky (probability {p[0].max():.3f})",
                                f"{folder / 'sea.npy'}: class sea (probability {p[1].max():.3f})"]
    assert p[0].argmax() == 0 and p[1].argmax() == 1


def test_predict_says_how_each_image_was_inverted(cli, named_run):
    run, folder = named_run
    dark_on_light = np.ones((4, 4))
    dark_on_light[1:3, 1:3] = 0.0
    np.save(folder / "drawn.npy", dark_on_light)
    _, auto, _ = cli("predict", run, folder / "drawn.npy")
    _, yes, _ = cli("predict", "--invert", "yes", run, folder / "drawn.npy")
    assert auto.rstrip("\n").endswith("; inverted: dark on light)")
    assert yes.rstrip("\n").endswith("; inverted (--invert yes))")


def test_eval_on_another_dataset_by_any_spelling_and_an_unknown_one_refused_first(cli, spiral_run):
    status, out, _ = cli("eval", spiral_run, "--dataset", "SPIRAL")
    assert status == 0 and " on spiral (" in out.splitlines()[0]
    status, out, err = cli("eval", spiral_run, "--dataset", "nope")
    assert status == 2 and out == ""
    assert err.startswith("scratchdl eval: error: argument --dataset: unknown dataset 'nope'; valid: ")
