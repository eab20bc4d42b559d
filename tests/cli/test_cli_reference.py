"""docs/cli.md, the command line's reference page, says what the parser does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scratchdl.cli import build_parser, main, reference

PAGE = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def _sections(text: str) -> dict[str, str]:
    """``## heading`` -> its ```text block, with every run of white space as one space (argparse wraps
    lines a little differently from one Python version to the next; the words must not change)."""
    found = re.findall(r"^## (.+?)\n\n```text\n(.*?)```", text, flags=re.M | re.S)
    return {heading: " ".join(block.split()) for heading, block in found}


def test_the_page_is_the_help_of_every_command_as_the_code_prints_it():
    written, now = _sections(PAGE.read_text(encoding="utf-8")), _sections(reference.page())
    assert list(written) == list(now), (
        "commands added or removed: python -m scratchdl.cli.reference > docs/cli.md")
    for heading in now:
        assert written[heading] == now[heading], (
            f"{heading}: docs/cli.md is out of date; python -m scratchdl.cli.reference > docs/cli.md")


def test_the_whole_page_is_what_the_code_writes():
    """Its title and introduction too, word for word (white space aside, as above)."""
    assert " ".join(PAGE.read_text(encoding="utf-8").split()) == " ".join(reference.page().split())


def test_the_page_has_a_section_for_every_command_and_the_top_level():
    commands = list(reference.commands(build_parser()))
    assert commands == ["train", "eval", "predict", "models", "datasets", "experiment", "report", "export",
                        "graph", "playground"]
    assert list(_sections(reference.page())) == ["scratchdl"] + [f"scratchdl {c}" for c in commands]


@pytest.mark.parametrize("command", [None, "train", "predict", "graph"])
def test_each_section_is_what_help_prints_at_that_width(command, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", str(reference.WIDTH))
    with pytest.raises(SystemExit) as stop:
        main(([command] if command else []) + ["--help"])
    assert stop.value.code == 0
    printed = capsys.readouterr().out
    heading = f"scratchdl {command}" if command else "scratchdl"
    assert " ".join(printed.split()) == _sections(reference.page())[heading]


def test_the_width_is_put_back(monkeypatch):
    monkeypatch.setenv("COLUMNS", "37")
    reference.help_text(build_parser(), width=120)
    assert reference.os.environ["COLUMNS"] == "37"
    monkeypatch.delenv("COLUMNS")
    reference.help_text(build_parser())
    assert "COLUMNS" not in reference.os.environ


def test_help_wraps_at_the_width_asked_for():
    narrow, wide = (reference.help_text(build_parser(), width=w) for w in (60, 140))
    assert max(map(len, narrow.splitlines())) <= 60 < max(map(len, wide.splitlines()))
