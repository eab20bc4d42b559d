"""Training: ``fit``, ``evaluate``, history, checkpointing and early stopping."""

from .callbacks import Checkpointing, EarlyStopping
from .evaluate import Evaluation, confusion_matrix, evaluate, predict_logits
from .history import History, draw_curves, plot_curves
from .live import LiveCurves
from .loop import Callback, TrainContext, TrainingDiverged, TrainState, accuracy, fit, raise_on_interrupt

__all__ = [
    "Callback", "Checkpointing", "EarlyStopping", "Evaluation", "History", "LiveCurves", "TrainContext",
    "TrainState", "TrainingDiverged", "accuracy", "confusion_matrix", "evaluate", "fit",
    "draw_curves", "plot_curves", "predict_logits", "raise_on_interrupt",
]
