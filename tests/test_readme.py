"""Every Python example in the README runs, and says what the README says it prints."""

import re
import sys
from pathlib import Path

import pytest


def read(name: str) -> str:
    return (Path(__file__).parents[1] / name).read_text(encoding="utf-8")


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def setup_lines(text: str) -> list[str]:
    """The lines of the first ```bash block: the set-up commands near the top."""
    return re.search(r"```bash\n(.*?)```", text, flags=re.S).group(1).strip().splitlines()


def run_example(block: str, label: str, capsys) -> str:
    """Run one example as its own program; what it printed (it must print something). An example
    that installs ``scratchdl.common``'s import hook has it removed afterwards, as a new process would."""
    try:
        exec(compile(block, label, "exec"), {"__name__": "__readme__"})
    finally:
        if "scratchdl.common" in sys.modules:
            sys.modules["scratchdl.common"].uninstall()
    out = capsys.readouterr().out
    assert out.strip(), "each example prints something"
    return out


README = read("README.md")
BLOCKS = python_blocks(README)


def test_readme_has_examples_and_two_setup_commands():
    assert len(BLOCKS) >= 4
    setup = setup_lines(README)
    assert len(setup) == 2
    assert setup[0].startswith("pip install -e . && scratchdl train")
    assert setup[1].startswith('pip install -e ".[test]" && pytest')


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an example that saves a checkpoint writes under runs/ here
    run_example(BLOCKS[index], f"README.md example {index}", capsys)


def test_ten_line_example_learns_the_spiral(capsys):
    block = next(b for b in BLOCKS if "MLP(" in b)
    assert len(block.strip().splitlines()) <= 10
    namespace = {}
    exec(block, namespace)
    assert namespace["loss"] < 0.1


def test_course_example_prints_the_course_numbers(capsys):
    block = next(b for b in BLOCKS if "print_vec" in b)
    exec(block, {})
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["*** 出力 ***", "[[0.08706577 0.91293423]]"]
    assert lines[-1] == "[0.  0.5 1. ]"


def test_input_gradient_example_prints_what_it_says(capsys):
    block = next(b for b in BLOCKS if "requires_input_grad(False)" in b)
    exec(block, {})
    assert capsys.readouterr().out.strip() == "None (3, 4)"


def test_own_loop_example_saves_restores_and_prints_what_it_says(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    block = next(b for b in BLOCKS if "checkpoint.restore(" in b)
    for spelling in ("data.DataLoader((x, t)", "nn.Sequential(", "optim.SGD(", "checkpoint.save(",
                     "checkpoint.load(path)"):
        assert spelling in block
    namespace = {}
    exec(block, namespace)
    assert capsys.readouterr().out.splitlines() == ["runs/my-loop/checkpoint.json", "True"]
    net, twin, x = namespace["net"], namespace["twin"], namespace["x"]
    assert (twin(x) == net(x)).all()
