"""benchmarks/distributed.py runs (one tiny workload, a few steps); no test asserts a speed."""

import sys
from pathlib import Path

from mpi_procs import env, needs_mpi

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "distributed.py"


@needs_mpi
def test_benchmark_prints_its_table(tmp_path):
    import json
    import subprocess

    result = subprocess.run([sys.executable, SCRIPT, "--workloads", "W1", "--repeats", "1", "--steps", "2",
                             "--warmup", "1", "--no-train", "--json", tmp_path / "out.json"],
                            env=env(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "| W1 |" in result.stdout
    data = json.loads((tmp_path / "out.json").read_text())["W1"]
    assert data["n1"]["samples_per_second"] > 0 and data["n2"]["allreduce_ms"] > 0
