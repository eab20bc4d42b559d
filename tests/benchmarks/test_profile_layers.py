"""The per-layer profile runs for every workload and lines the two frameworks' layers up.
No timing is asserted: see benchmarks/README.md."""

from __future__ import annotations

import pytest
from benchmark_scripts import load_script


@pytest.mark.parametrize("workload, layers", [
    ("W1", ["Flatten", "Linear", "ReLU", "Linear", "ReLU", "Linear"]),
    ("W3", ["Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear", "ReLU", "Linear"]),
    ("W4", (["Conv2d", "ReLU"] * 2 + ["MaxPool2d"]) * 2 + ["Flatten", "Linear", "ReLU", "Linear"]),
])
def test_every_layer_gets_a_row_with_both_frameworks_times(workload, layers, capsys):
    table = load_script("profile_layers").main([workload, "--steps", "1", "--warmup", "1", "--batch", "3"])
    rows = [line for line in table.splitlines()[2:] if not line.startswith(("| rest", "| **step"))]
    assert [row.split("|")[1].split()[-1] for row in rows] == layers
    for row in rows:
        times = [float(cell) for cell in row.split("|")[2:6]]
        assert all(t >= 0 for t in times)
    assert sum(float(row.split("|")[2]) for row in rows) > 0          # scratchdl forward timed
    assert sum(float(row.split("|")[4]) for row in rows) > 0          # PyTorch forward timed
    assert "**step**" in table and "ratio" in capsys.readouterr().out
