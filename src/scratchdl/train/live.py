"""``LiveCurves``: the training curves redrawn in place after every epoch, in a Jupyter notebook."""

from __future__ import annotations

from ..plotting import in_notebook, pyplot
from .history import draw_curves
from .loop import Callback, TrainContext


class LiveCurves(Callback):
    """Training curves that redraw under the running notebook cell after every epoch.

    ``fit(..., callbacks=[LiveCurves()])``. In a terminal or a script it does nothing, so the same
    code runs everywhere.
    """

    def __init__(self):
        self._figure = None
        self._handle = None

    def on_epoch_end(self, ctx: TrainContext) -> None:
        if not in_notebook():
            return
        from IPython.display import display

        if self._figure is None:
            plt = pyplot()
            self._figure = plt.figure(figsize=(10, 4))
            plt.close(self._figure)          # shown through the display handle only, not again at cell end
        draw_curves(ctx.state.history, self._figure)
        if self._handle is None:
            self._handle = display(self._figure, display_id=True)
        else:
            self._handle.update(self._figure)
