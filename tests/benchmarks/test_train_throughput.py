"""The benchmark script runs end to end (one tiny step of each workload). No timing is asserted:
speed is measured by running the script itself, see benchmarks/README.md."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "train_throughput.py"


def load_script():
    spec = importlib.util.spec_from_file_location("train_throughput", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_script_runs_every_workload_and_reports_a_table(tmp_path, capsys):
    out = tmp_path / "result.json"
    script = load_script()
    script.main(["--repeats", "1", "--warmup", "1", "--min-time", "0", "--pause", "0", "--batch", "4",
                 "--memory-batch", "4", "--json", str(out)])
    printed = capsys.readouterr().out
    report = json.loads(out.read_text())
    assert [r["workload"] for r in report["results"]] == ["W1", "W2", "W3", "W4"]
    for row in report["results"]:
        assert row["batch"] == 4
        assert all(math.isfinite(v) and v > 0 for v in row["samples_per_s"].values())
        assert f"| {row['workload']} " in printed
    assert report["memory"]["results"]["scratchdl"]["batch"] == 4
    assert "OPENBLAS_CORETYPE" in report["environment"]["env"]
    assert "numpy BLAS" in printed and "peak memory of a W4 step" in printed
