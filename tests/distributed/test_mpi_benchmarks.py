"""benchmarks/distributed.py's train table and CPU-share line, and benchmarks/distributed_equality.py,
run at their smallest (no test asserts a speed or a difference here: test_mpi_equality.py pins those)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from mpi_procs import env, needs_mpi

pytestmark = [needs_mpi, pytest.mark.slow]
BENCHMARKS = Path(__file__).parents[2] / "benchmarks"


def bench(script, *args):
    result = subprocess.run([sys.executable, BENCHMARKS / script, *map(str, args)], env=env(),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_distributed_times_the_default_command_and_says_how_busy_the_machine_was(tmp_path):
    out = bench("distributed.py", "--workloads", "W1", "--repeats", "1", "--steps", "2", "--warmup", "1",
                "--train-epochs", "1", "--json", tmp_path / "out.json")
    assert "| `scratchdl train --epochs 1` | N=1 | N=2 | speed-up |" in out and "| wall | " in out
    assert "other processes used" in out and "(steal)" in out
    data = json.loads((tmp_path / "out.json").read_text())
    assert data["train"]["n2"]["wall_seconds"] > data["train"]["n2"]["training_seconds"] > 0
    assert 0 <= data["machine"]["others_cpu_share"] <= 1


def test_distributed_equality_compares_the_weights(tmp_path):
    out = bench("distributed_equality.py", "--cases", "one-step", "--optimizers", "sgd", "--json",
                tmp_path / "out.json")
    rows = json.loads((tmp_path / "out.json").read_text())
    assert [(r["case"], r["dtype"]) for r in rows] == [("one step", "float32"), ("one step", "float64")]
    assert all(0 <= r["relative"] < 1e-5 for r in rows)
    assert out.count("| one step | sgd |") == 2
