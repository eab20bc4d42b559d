"""Evaluation: loss, accuracy, per-class accuracy and the confusion matrix, in batches."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..backend import get_array_module, to_numpy


@dataclass
class Evaluation:
    """A model's loss, accuracy, per-class accuracy and confusion matrix on a dataset."""

    loss: float
    accuracy: float
    per_class_accuracy: np.ndarray
    confusion_matrix: np.ndarray  # rows: true class, columns: predicted class

    def as_dict(self) -> dict:
        return {
            "loss": self.loss,
            "accuracy": self.accuracy,
            "per_class_accuracy": self.per_class_accuracy.tolist(),
            "confusion_matrix": self.confusion_matrix.tolist(),
        }


def predict_logits(model, x, batch_size: int = 500):
    """The model's outputs for ``x`` in eval mode, batch by batch (mode restored afterwards)."""
    modes = [m.training for m in model.modules()]
    model.eval()
    try:
        outs = [model(x[i:i + batch_size]) for i in range(0, len(x), batch_size)]
    finally:
        for m, mode in zip(model.modules(), modes, strict=True):
            m.training = mode
    return get_array_module(outs[0]).concatenate(outs)


def confusion_matrix(t, predicted, num_classes: int) -> np.ndarray:
    """Counts ``C[i, j]`` of samples of class ``i`` predicted as ``j``."""
    flat = np.asarray(t) * num_classes + np.asarray(predicted)
    return np.bincount(flat, minlength=num_classes**2).reshape(num_classes, num_classes)


def evaluate(model, loss_fn, dataset, batch_size: int = 500) -> Evaluation:
    """Mean loss, accuracy, per-class accuracy and confusion matrix of ``model`` on ``dataset``."""
    logits = predict_logits(model, dataset.x, batch_size)
    loss = loss_fn(logits, dataset.t)
    predicted = to_numpy(logits.argmax(axis=1))
    t = to_numpy(dataset.t)
    num_classes = dataset.num_classes or logits.shape[1]
    cm = confusion_matrix(t, predicted, num_classes)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_class = np.diag(cm) / cm.sum(axis=1)
    return Evaluation(float(loss), float((predicted == t).mean()), per_class, cm)
