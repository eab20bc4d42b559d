"""``LiveCurves``: one figure redrawn in place per epoch in a notebook, nothing in a terminal."""

import numpy as np

from scratchdl import data, nn, optim
from scratchdl.train import LiveCurves, fit
from scratchdl.train import live as live_module


def train(callback, epochs=3):
    rng = np.random.default_rng(0)
    dataset = data.Dataset(rng.normal(size=(40, 4)).astype(np.float32), rng.integers(0, 3, 40), num_classes=3)
    model = nn.Sequential(nn.Linear(4, 3, rng=rng))
    fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), dataset, epochs=epochs,
        progress=False, callbacks=[callback])


def test_does_nothing_outside_a_notebook():
    curves = LiveCurves()
    train(curves)
    assert curves._figure is None and curves._handle is None


def test_redraws_one_figure_per_epoch_in_a_notebook(monkeypatch):
    monkeypatch.setattr(live_module, "in_notebook", lambda: True)
    import IPython.display

    shown, updates = [], []

    class Handle:
        def update(self, obj):
            updates.append(obj)

    def display(obj, display_id=None):
        shown.append(obj)
        return Handle()

    monkeypatch.setattr(IPython.display, "display", display)

    curves = LiveCurves()
    train(curves, epochs=3)
    assert len(shown) == 1 and len(updates) == 2 and updates[-1] is shown[0] is curves._figure
    assert len(curves._figure.axes) == 2 and len(curves._figure.axes[0].lines) == 1     # train loss, 3 epochs
    assert list(curves._figure.axes[0].lines[0].get_xdata()) == [1, 2, 3]
