"""The notebooks in notebooks/: stored without outputs, one per topic, and each runs top to bottom."""

import json
import os
import re
import time
from pathlib import Path

import pytest

from scratchdl import experiments

NOTEBOOKS = sorted((Path(__file__).parents[2] / "notebooks").glob("*.ipynb"))


def cells(path, kind):
    return [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == kind]


def test_one_notebook_per_topic_and_exercise():
    names = {p.stem for p in NOTEBOOKS}
    assert len(names) == 16 and {"ex1_forward_3-5-4", "ex2_backprop_2-3-2"} <= names
    sources = "\n".join("".join(c["source"]) for p in NOTEBOOKS for c in cells(p, "code"))
    ran = set(re.findall(r'experiments\.run\("([a-z-]+)"', sources))
    assert ran == set(experiments.names()), "every experiment ends some notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_without_outputs(path):
    for cell in cells(path, "code"):
        assert cell["outputs"] == [] and cell["execution_count"] is None, f"{path.name}: clear its outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_opens_with_what_the_learner_will_see(path):
    first = "".join(cells(path, "markdown")[0]["source"])
    assert first.startswith("# ") and "このノートで見ること" in first


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_runs_top_to_bottom_in_a_minute(path, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    notebook = nbformat.read(path, as_version=4)
    # the kernel draws with the notebook's inline backend, as in Jupyter (CI exports MPLBACKEND=Agg)
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    start = time.perf_counter()
    client.execute(env=env)
    seconds = time.perf_counter() - start
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "IProgress" not in printed and "TqdmWarning" not in printed, "a plain jupyterlab has no ipywidgets"
    figures = [o for o in outputs if "image/png" in o.get("data", {})
               or 'src="data:image/png' in o.get("data", {}).get("text/html", "")]
    assert figures and figures[-1] is [o for o in outputs if o.get("data")][-1], "it ends with a figure"
    assert seconds <= 60, f"{path.name} took {seconds:.0f} s (limit 60 s on 2 cores)"


def test_the_cnn_notebook_writes_its_formulas_as_its_code_computes():
    """Each formula of 13_cnn's text next to the expression its code evaluates; W_col, not W₂ (the
    second layer's weight in 08_backprop)."""
    path = next(p for p in NOTEBOOKS if p.stem == "13_cnn")
    text = "".join("".join(c["source"]) for c in cells(path, "markdown"))
    code = "".join("".join(c["source"]) for c in cells(path, "code"))
    for formula, expression in (("Y = col · W_colᵀ + b", "col @ W_col.T + conv.bias.data"),
                                ("∂L/∂W_col = δᵀ · col", "delta.T @ col"),
                                ("∂L/∂x = col2im(δ · W_col)", "col2im(delta @ W_col")):
        assert formula in text and expression in code, (formula, expression)
    assert "W₂ ·" not in text and "W2" not in code
