"""Evaluation: loss, accuracy, per-class accuracy and the confusion matrix, in batches."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..backend import get_array_module, to_device, to_numpy
from .device import model_device, place


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
    """The model's outputs for ``x`` in eval mode, batch by batch (mode restored afterwards);
    each batch is copied to the model's device, and the outputs stay there."""
    device = model_device(model)
    modes = [m.training for m in model.modules()]
    model.eval()
    try:
        outs = [model(to_device(x[i:i + batch_size], device)) for i in range(0, len(x), batch_size)]
    finally:
        for m, mode in zip(model.modules(), modes, strict=True):
            m.training = mode
    return get_array_module(outs[0]).concatenate(outs)


def confusion_matrix(t, predicted, num_classes: int) -> np.ndarray:
    """Counts ``C[i, j]`` of samples of class ``i`` predicted as ``j``."""
    flat = np.asarray(t) * num_classes + np.asarray(predicted)
    return np.bincount(flat, minlength=num_classes**2).reshape(num_classes, num_classes)


def evaluate(model, loss_fn, dataset, batch_size: int = 500, device: str | None = None,
             comm=None) -> Evaluation:
    """Mean loss, accuracy, per-class accuracy and confusion matrix of ``model`` on ``dataset``,
    where the model's parameters are, or on ``device`` (the model is moved there first). Two
    values come back to the host: the loss and the predicted classes.

    With ``comm`` (``scratchdl.distributed``, called on every rank), each rank evaluates a slice
    of ``dataset`` and the loss and confusion matrix are summed over the ranks.
    """
    place(model, device)
    x, t = dataset.x, dataset.t
    if comm is not None and 1 < comm.size <= len(x):
        from ..distributed import shard_bounds

        lo, hi = shard_bounds(len(x), comm.rank, comm.size)
        x, t = x[lo:hi], t[lo:hi]
    logits = predict_logits(model, x, batch_size)
    loss = float(loss_fn(logits, t))
    predicted = to_numpy(logits.argmax(axis=1))
    t = to_numpy(t)
    num_classes = dataset.num_classes or logits.shape[1]
    cm = confusion_matrix(t, predicted, num_classes)
    accuracy = float((predicted == t).mean())
    if comm is not None and 1 < comm.size <= len(dataset.x):
        summed = comm.allreduce_sum_(np.concatenate([[loss * len(t)], cm.ravel()]).astype(np.float64))
        loss, cm = summed[0] / len(dataset.x), summed[1:].round().astype(np.int64).reshape(cm.shape)
        accuracy = float(np.trace(cm) / len(dataset.x))
    with np.errstate(invalid="ignore", divide="ignore"):
        per_class = np.diag(cm) / cm.sum(axis=1)
    return Evaluation(float(loss), accuracy, per_class, cm)
