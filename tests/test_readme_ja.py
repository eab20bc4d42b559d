"""README.ja.md: the same set-up commands as README.md, the same ten-line example, links both ways, and
every Python example runs (with test_readme's machinery)."""

from __future__ import annotations

import pytest
from test_readme import BLOCKS as ENGLISH_BLOCKS
from test_readme import README as ENGLISH
from test_readme import python_blocks, read, run_example, setup_lines

JA = read("README.ja.md")
JA_BLOCKS = python_blocks(JA)


def command(line: str) -> str:
    """A set-up line without its comment (the comments are in each README's language)."""
    return line.split("#")[0].strip()


def test_same_two_setup_commands_as_the_english_readme():
    english, japanese = setup_lines(ENGLISH), setup_lines(JA)
    assert len(japanese) == len(english) == 2
    assert [command(line) for line in japanese] == [command(line) for line in english]


def test_same_ten_line_example():
    ten_lines = next(b for b in ENGLISH_BLOCKS if "MLP(" in b)
    assert ten_lines in JA_BLOCKS


def test_links_both_ways_at_the_top():
    assert "README.ja.md" in ENGLISH.splitlines()[2]
    assert "(README.md)" in JA.splitlines()[2]
    assert "docs/course-map.md" in JA.splitlines()[2]


@pytest.mark.parametrize("needle", [
    "scratchdl report --lang ja --out runs/report",
    "--device cuda", 'pip install -e ".[gpu]"',
    "mpiexec -n 2 scratchdl train", 'pip install -e ".[mpi]"',
    "scratchdl export", 'pip install -e ".[onnx]"',
    "scratchdl experiment",
])
def test_the_japanese_readme_covers(needle):
    assert needle in JA


@pytest.mark.parametrize("index", range(len(JA_BLOCKS)))
def test_japanese_readme_example_runs(index, capsys):
    run_example(JA_BLOCKS[index], f"README.ja.md example {index}", capsys)


def test_japanese_course_functions_example_prints_the_course_numbers(capsys):
    block = next(b for b in JA_BLOCKS if "print_vec" in b)
    lines = run_example(block, "README.ja.md course functions", capsys).splitlines()
    assert lines[:2] == ["*** 出力 ***", "[[0.08706577 0.91293423]]"]
