"""``progress.bar_class``: the notebook widget bar only where ipywidgets exists, silently the text bar
elsewhere (``tqdm.auto`` prints "TqdmWarning: IProgress not found" into a notebook without it)."""

import warnings

import tqdm
import tqdm.notebook

from scratchdl.train import progress


def test_a_notebook_without_ipywidgets_gets_the_text_bar_and_no_warning(monkeypatch):
    monkeypatch.setattr(progress, "in_notebook", lambda: True)
    monkeypatch.setattr(progress.importlib.util, "find_spec", lambda name: None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test
        assert progress.bar_class() is tqdm.tqdm
        bar = progress.progress_bar(total=3, disable=True)
        bar.close()


def test_a_notebook_with_ipywidgets_gets_the_widget_bar(monkeypatch):
    monkeypatch.setattr(progress, "in_notebook", lambda: True)
    monkeypatch.setattr(progress.importlib.util, "find_spec", lambda name: object())
    assert progress.bar_class() is tqdm.notebook.tqdm


def test_a_terminal_gets_the_text_bar(monkeypatch):
    monkeypatch.setattr(progress, "in_notebook", lambda: False)
    assert progress.bar_class() is tqdm.tqdm
