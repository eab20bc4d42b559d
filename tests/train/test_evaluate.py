"""Evaluation as a learner reads it: the confusion matrix (rows: true class), per-class accuracy (NaN
for a class with no sample), the model's outputs in batches in eval mode, its mode given back."""

import numpy as np
import pytest

from scratchdl import nn
from scratchdl.data import Dataset
from scratchdl.train import accuracy, confusion_matrix, evaluate, predict_logits


class Fixed(nn.Module):
    """Logits that pick class ``x[:, 0]``; counts its calls and the batch sizes it saw."""

    def __init__(self):
        super().__init__()
        self.batches, self.modes = [], []

    def forward(self, x):
        self.batches.append(len(x))
        self.modes.append(self.training)
        return np.eye(3)[x[:, 0].astype(int)] * 4.0


def dataset(predicted, true):
    x = np.array(predicted, dtype=np.float64).reshape(-1, 1)
    return Dataset(x, np.array(true, dtype=np.int64), name="fixed", num_classes=3)


def test_the_confusion_matrix_counts_true_rows_against_predicted_columns():
    assert confusion_matrix([0, 0, 1, 2, 2], [0, 1, 1, 2, 0], 3).tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 1]]


def test_evaluation_of_a_model_whose_answers_are_known():
    data = dataset(predicted=[0, 1, 1, 0, 0], true=[0, 1, 0, 0, 1])  # class 2 never occurs
    model = Fixed()
    result = evaluate(model, nn.CrossEntropyLoss(), data, batch_size=2)
    assert model.batches == [2, 2, 1] and model.modes == [False] * 3 and model.training
    assert result.confusion_matrix.tolist() == [[2, 1, 0], [1, 1, 0], [0, 0, 0]]
    assert result.accuracy == 0.6
    np.testing.assert_array_equal(result.per_class_accuracy, [2 / 3, 0.5, np.nan])
    logits = np.eye(3)[[0, 1, 1, 0, 0]] * 4.0
    assert result.loss == pytest.approx(nn.CrossEntropyLoss()(logits, data.t))
    assert result.as_dict() == {"loss": result.loss, "accuracy": 0.6,
                                "per_class_accuracy": [2 / 3, 0.5, pytest.approx(np.nan, nan_ok=True)],
                                "confusion_matrix": [[2, 1, 0], [1, 1, 0], [0, 0, 0]]}


def test_outputs_in_batches_in_eval_mode_and_the_modes_restored():
    model = nn.Sequential(nn.Linear(1, 3), nn.Dropout(0.5))
    model.eval()
    model[1].train()  # a mixed state is given back as it was
    x = np.arange(7, dtype=np.float32).reshape(-1, 1)
    out = predict_logits(model, x, batch_size=3)
    np.testing.assert_array_equal(out, model[0](x))  # dropout off
    assert [m.training for m in model.modules()] == [False, False, True]
    assert accuracy(Fixed(), dataset(predicted=[0, 2, 1, 1], true=[0, 2, 2, 1])) == 0.75
