"""How results look in Jupyter: ``_repr_html_`` of an experiment's result, a summary, a history."""

import html as html_lib

import numpy as np

from scratchdl import experiments, nn
from scratchdl.train import History


def test_experiment_result_shows_figures_checks_and_folded_numbers(tmp_path):
    result = experiments.run("activations", tmp_path, quick=True, lang="ja")
    html = result._repr_html_()
    assert html.count("<img src=\"data:image/png;base64,") == len(result.figures) >= 1
    assert result.title in html and all(html_lib.escape(text) in html for text in result.checks)
    assert "<details><summary>測定値" in html and "<td>sigmoid&#x27;(z) の最大値</td><td>0.25</td>" in html


def test_summary_and_history_render_as_tables():
    summary = nn.summary(nn.Sequential(nn.Linear(4, 3), nn.ReLU()), (4,))
    html = summary._repr_html_()
    assert html.count("<tr>") == len(summary.rows) + 2 and "15" in html      # header, rows, total 4*3+3
    history = History([{"epoch": 1, "train_loss": 0.5, "test_accuracy": 0.9},
                       {"epoch": 2, "train_loss": 0.25, "test_accuracy": np.float64(0.95)}])
    table = history._repr_html_()
    assert table.count("<tr>") == 3 and "train_loss" in table and "lr" not in table
