"""The autograd benchmark runs end to end (a tiny batch of each workload, three roads). No timing is
asserted: speed is measured by running the script itself, see benchmarks/README.md."""

from __future__ import annotations

import json
import math

import pytest
from benchmark_scripts import load_script


@pytest.mark.slow          # three step servers and nine fresh processes for memory: about a minute
def test_the_script_times_three_roads_and_measures_memory(tmp_path, capsys):
    out = tmp_path / "result.json"
    script = load_script("autograd_step")
    script.main(["--repeats", "1", "--warmup", "1", "--min-time", "0", "--pause", "0", "--batch", "4",
                 "--memory-steps", "1", "--json", str(out)])
    printed = capsys.readouterr().out
    report = json.loads(out.read_text())
    assert [r["workload"] for r in report["results"]] == ["W1", "W2", "W3"]
    for row in report["results"]:
        assert set(row["samples_per_s"]) == {"scratchdl", "autograd", "torch"}
        assert all(math.isfinite(v) and v > 0 for v in row["samples_per_s"].values())
        rates = row["samples_per_s"]
        assert row["autograd_over_explicit"] == rates["scratchdl"] / rates["autograd"]
        assert f"| {row['workload']} " in printed
    assert [m["workload"] for m in report["memory"]] == ["W1", "W2", "W3"]
    assert all(m["results"]["autograd"]["tracemalloc_peak_mb"] > 0 for m in report["memory"])
    assert "autograd / explicit" in printed and "numpy BLAS" in printed


@pytest.mark.slow          # imports PyTorch in this process
def test_cpu_time_mode_times_the_three_roads_in_one_process(tmp_path, capsys):
    script = load_script("autograd_step")
    report = script.main(["--cpu-time", "--workloads", "W1", "--repeats", "1", "--min-time", "0",
                          "--batch", "4", "--json", str(tmp_path / "r.json")])
    row = report["cpu_time"][0]
    assert set(row["cpu_seconds_per_step"]) == {"scratchdl", "autograd", "torch"}
    assert row["autograd_over_explicit"] > 0 and "| W1 | 4 |" in capsys.readouterr().out


def test_the_autograd_step_trains_the_explicit_models_weights():
    """One step of each road from the same weights: autograd's loss is the explicit layers' loss."""
    load_script("autograd_step")                   # puts benchmarks/ on sys.path
    import workloads

    for name in ("W1", "W3"):
        explicit, auto = workloads.make_step("scratchdl", name, 4), workloads.make_step("autograd", name, 4)
        first = explicit(), float(auto())
        assert abs(first[0] - first[1]) < 1e-5 * abs(first[0])
        second = explicit(), float(auto())
        assert abs(second[0] - second[1]) < 1e-4 * abs(second[0]) and second[0] != first[0]
