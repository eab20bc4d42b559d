"""Every figure of the README's MPI section comes from a place a new user can rerun: a row of
benchmarks/README.md (written by the command the section names next to it) or a test's tolerance."""

import re
from pathlib import Path

import pytest
from test_readme import README, read

ROOT = Path(__file__).parents[1]
START = README.index("## Training on several processes (MPI)")
SECTION = README[START:README.index("\n## ", START + 5)]
BENCHMARKS = read("benchmarks/README.md")
TESTS = "".join(p.read_text() for p in (ROOT / "tests" / "distributed").glob("test_*.py"))


def floats(text: str) -> set[float]:
    return {float(x) for x in re.findall(r"\d+(?:\.\d+)?e-\d+", text)}


@pytest.mark.parametrize("figure", sorted(set(re.findall(r"\d+(?:\.\d+)?e-\d+", SECTION))))
def test_each_difference_and_tolerance_is_measured_or_tested(figure):
    assert float(figure) in floats(BENCHMARKS) | floats(TESTS)


@pytest.mark.parametrize("figure", sorted(set(re.findall(r"\d+\.\d+x", SECTION))))
def test_each_speed_up_is_a_benchmark_row(figure):
    assert re.search(rf"\b{re.escape(figure)}\b", BENCHMARKS)


def test_the_commands_that_measure_them_are_named():
    for script in ("distributed.py", "distributed_equality.py"):
        assert f"python benchmarks/{script}" in SECTION and (ROOT / "benchmarks" / script).is_file()
