"""The per-layer profile runs for every workload and lines the two frameworks' layers up.
No timing is asserted: see benchmarks/README.md."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "profile_layers.py"


def load_script():
    sys.path.insert(0, str(SCRIPT.parent))
    spec = importlib.util.spec_from_file_location("profile_layers", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("workload, layers", [
    ("W1", ["Flatten", "Linear", "ReLU", "Linear", "ReLU", "Linear"]),
    ("W3", ["Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear", "ReLU", "Linear"]),
    ("W4", (["Conv2d", "ReLU"] * 2 + ["MaxPool2d"]) * 2 + ["Flatten", "Linear", "ReLU", "Linear"]),
])
def test_every_layer_gets_a_row_with_both_frameworks_times(workload, layers, capsys):
    table = load_script().main([workload, "--steps", "1", "--warmup", "1", "--batch", "3"])
    rows = [line for line in table.splitlines()[2:] if not line.startswith(("| rest", "| **step"))]
    assert [row.split("|")[1].split()[-1] for row in rows] == layers
    for row in rows:
        times = [float(cell) for cell in row.split("|")[2:6]]
        assert all(t >= 0 for t in times)
    assert sum(float(row.split("|")[2]) for row in rows) > 0          # scratchdl forward timed
    assert sum(float(row.split("|")[4]) for row in rows) > 0          # PyTorch forward timed
    assert "**step**" in table and "ratio" in capsys.readouterr().out
