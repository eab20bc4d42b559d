"""The benchmark script runs end to end (one tiny step of each workload). No timing is asserted:
speed is measured by running the script itself, see benchmarks/README.md."""

from __future__ import annotations

import json
import math

import pytest
from benchmark_scripts import load_script


@pytest.mark.slow
def test_the_script_runs_every_workload_and_reports_a_table(tmp_path, capsys):
    out = tmp_path / "result.json"
    script = load_script("train_throughput")
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


@pytest.mark.slow
def test_threads_limits_both_frameworks_and_is_reported(tmp_path, capsys):
    out = tmp_path / "result.json"
    script = load_script("train_throughput")
    script.main(["--workloads", "W4", "--repeats", "1", "--warmup", "1", "--min-time", "0", "--pause", "0",
                 "--batch", "2", "--no-memory", "--threads", "1", "--json", str(out)])
    env = json.loads(out.read_text())["environment"]
    assert env["threads"] == 1
    assert env["threads_in_use"]["torch"] == "torch 1"
    assert env["threads_in_use"]["scratchdl"].startswith("blocks 1, BLAS 1")
    assert "cores per framework: 1 (--threads)" in capsys.readouterr().out


def test_threads_below_one_is_refused(capsys):
    import pytest

    with pytest.raises(SystemExit) as stop:
        load_script("train_throughput").parse_args(["--threads", "0"])
    assert stop.value.code == 2
    assert "--threads must be at least 1, got 0" in capsys.readouterr().err
