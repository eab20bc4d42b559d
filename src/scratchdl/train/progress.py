"""The per-batch progress bar of ``fit``: tqdm's widget bar in a notebook that has ipywidgets, its
plain text bar everywhere else.

``tqdm.auto`` makes the same choice but, imported in a notebook without ipywidgets (a plain
``pip install -e . jupyterlab`` has none), prints ``TqdmWarning: IProgress not found`` into the
learner's output before falling back to the text bar; here the fallback is silent.
"""

from __future__ import annotations

import importlib.util

from ..plotting import in_notebook


def bar_class():
    """The tqdm class to draw bars with here: ``tqdm.notebook.tqdm`` in a notebook with ipywidgets,
    else ``tqdm.tqdm``."""
    if in_notebook() and importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.notebook import tqdm

        return tqdm
    from tqdm import tqdm

    return tqdm


def progress_bar(**kwargs):
    """A progress bar (``tqdm`` keyword arguments) of the class ``bar_class`` picks."""
    return bar_class()(**kwargs)
