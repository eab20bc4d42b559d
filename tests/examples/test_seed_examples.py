"""The seed's two exercises, run as a learner runs them."""

import json
import re
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).parents[2] / "examples"
# The printed output of the backprop exercise as the study report shows it (it starts mid-way).
SEED_OUTPUT = (Path(__file__).parent / "seed_backprop_output.txt").read_text(encoding="utf-8")


def run_example(name, capsys, argv=()):
    old = sys.argv
    sys.argv = [name, *argv]
    try:
        runpy.run_path(str(EXAMPLES / name), run_name="__main__")
    finally:
        sys.argv = old
    return capsys.readouterr().out


NUMBER = re.compile(r"-?\d+\.\d*(?:e[-+]?\d+)?|-?\d+")


def same_line(printed: str, expected: str) -> bool:
    """The same text, and the same numbers up to the last bit of a float64 (the report printed
    ``1.0`` where NumPy builds whose ``exp`` rounds the last bit otherwise print ``0.9999999999999999``)."""
    if NUMBER.split(printed) != NUMBER.split(expected):
        return False
    pairs = zip(NUMBER.findall(printed), NUMBER.findall(expected), strict=False)
    return all(abs(float(a) - float(b)) <= 1e-12 * max(1.0, abs(float(b))) for a, b in pairs)


def test_seed_backprop_prints_the_reports_numbers_line_by_line(capsys):
    out = run_example("seed_backprop.py", capsys).splitlines()
    expected = SEED_OUTPUT.splitlines()
    first = out.index(expected[0])
    printed = out[first:first + len(expected)]
    assert len(printed) == len(expected) > 50
    assert all(same_line(a, b) for a, b in zip(printed, expected, strict=True)), [
        (a, b) for a, b in zip(printed, expected, strict=True) if not same_line(a, b)]
    assert not same_line("出力合計: 0.9999", "出力合計: 1.0") and not same_line("重み 1", "重さ 1")


def test_seed_forward_is_a_probability_and_its_cross_entropy(capsys):
    out = run_example("seed_forward.py", capsys, ["--seed", "3"])
    total = float(re.search(r"出力合計: (\S+)", out).group(1))
    assert abs(total - 1.0) <= 1e-12
    rng = np.random.default_rng(3)
    w1, w2, b1, b2 = rng.random((3, 5)), rng.random((5, 4)), rng.random(5), rng.random(4)
    u2 = np.maximum(0, np.array([1.0, 2.0, 3.0]) @ w1 + b1) @ w2 + b2
    y = np.exp(u2 - u2.max()) / np.exp(u2 - u2.max()).sum()
    loss = -np.log(y[3] + 1e-7)
    assert f"*** 誤差 ***\n{loss}\n" in out


@pytest.mark.parametrize("seed", [0, 1])
def test_seed_forward_depends_on_its_seed_only(capsys, seed):
    assert run_example("seed_forward.py", capsys, ["--seed", str(seed)]) == run_example(
        "seed_forward.py", capsys, ["--seed", str(seed)]
    )


@pytest.mark.filterwarnings("error::scratchdl.errors.SwappedArgumentsWarning")
@pytest.mark.parametrize("name", ["seed_forward.py", "seed_backprop.py"])
def test_the_seed_calls_the_course_functions_in_the_course_order(name, capsys, monkeypatch):
    from scratchdl import functions

    monkeypatch.setattr(functions, "_warned_swapped", False)
    assert run_example(name, capsys)


def test_the_seeds_repeated_label_is_explained_and_the_notebook_prints_the_right_one(capsys):
    """The script keeps the report's labels (its second "偏微分_dE/du2" is dE/du1) and says so in
    Japanese after them; the ex2 notebook prints the corrected label and names the slip."""
    out = run_example("seed_backprop.py", capsys)
    assert out.count("*** 偏微分_dE/du2 ***") == 2 and "*** 偏微分_dE/du1 ***" not in out
    note = out.strip().splitlines()[-1]
    assert "dE/du1" in note and "ex2_backprop_2-3-2" in note
    path = EXAMPLES.parent / "notebooks" / "ex2_backprop_2-3-2.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    code = "".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
    text = "".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown")
    assert 'print_vec("偏微分_dE/du2", delta2)' in code and 'print_vec("偏微分_dE/du1", delta1)' in code
    assert "seed_backprop.py" in text and "dE/du1" in text
