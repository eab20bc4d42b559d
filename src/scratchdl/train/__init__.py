"""Training: ``fit``, ``evaluate``, history, checkpointing and early stopping."""

from .callbacks import Checkpointing, EarlyStopping
from .evaluate import Evaluation, confusion_matrix, evaluate, predict_logits
from .history import History, plot_curves
from .loop import Callback, TrainContext, TrainingDiverged, TrainState, accuracy, fit

__all__ = [
    "Callback", "Checkpointing", "EarlyStopping", "Evaluation", "History", "TrainContext",
    "TrainState", "TrainingDiverged", "accuracy", "confusion_matrix", "evaluate", "fit",
    "plot_curves", "predict_logits",
]
