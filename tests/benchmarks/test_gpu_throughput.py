"""benchmarks/gpu_throughput.py: without a GPU it says why in one line and exits 2, writing nothing;
its harness runs end to end on the CPU (``--device cpu``). No speed is asserted."""

from __future__ import annotations

import ast
import json
import math
import sys

from benchmark_scripts import FOLDER, load_script

SCRIPT = FOLDER / "gpu_throughput.py"




def test_numpy_is_imported_before_anything_else():
    imports = [node for node in ast.parse(SCRIPT.read_text()).body
               if isinstance(node, ast.Import)
               or isinstance(node, ast.ImportFrom) and node.module != "__future__"]
    assert [alias.name for alias in imports[0].names] == ["numpy"]


def test_without_cupy_it_says_so_and_exits_2(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "cupy", None)          # import cupy raises ImportError
    out = tmp_path / "result.json"
    assert load_script("gpu_throughput").main(["--json", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert "no GPU" in captured.err and "CuPy is not installed" in captured.err
    assert not out.exists()


def test_the_harness_runs_on_the_cpu(tmp_path, capsys):
    out = tmp_path / "result.json"
    script = load_script("gpu_throughput")
    status = script.main(["--device", "cpu", "--workloads", "W2", "W4", "--batches", "3",
                          "--repeats", "1", "--warmup", "1", "--min-time", "0", "--json", str(out)])
    assert status == 0
    printed = capsys.readouterr().out
    report = json.loads(out.read_text())
    assert [(r["workload"], r["batch"]) for r in report["results"]] == [("W2", 3), ("W4", 3)]
    for row in report["results"]:
        assert all(math.isfinite(v) and v > 0 for v in row["samples_per_s"].values())
        assert f"| {row['workload']} | 3 |" in printed
    assert report["environment"]["device"] == "cpu"


def test_the_profile_lists_every_layer(capsys):
    script = load_script("gpu_throughput")
    status = script.main(["--device", "cpu", "--profile", "W3", "--batches", "2", "--repeats", "1",
                          "--warmup", "1"])
    assert status == 0
    printed = capsys.readouterr().out
    assert "W3 batch 2" in printed
    for layer in ("Conv2d(1, 30, kernel_size=5)", "MaxPool2d(kernel_size=2)", "Linear(100, 10)"):
        assert layer in printed
