"""Every ``scratchdl ...`` command the README shows parses with the CLI's own parser, and the
README points only at files that exist."""

import re
import shlex
from pathlib import Path

import pytest

from scratchdl.cli import build_parser

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")

# Placeholders the README uses in synopses, and a value of the right kind for each.
PLACEHOLDERS = {"DIR": "runs/x", "IMAGE...": "digit.png", "IMAGE": "digit.png", "NAME": "sgd"}


def invocations(text: str) -> list[str]:
    """``scratchdl ...`` commands in code blocks and inline code (commands joined by && split)."""
    found = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            line = line.split("#", 1)[0]
            found += [part.strip() for part in re.split(r"&&|;|\|", line)]
    text_only = re.sub(r"```.*?```", "", text, flags=re.S)
    found += [span for span in re.findall(r"`([^`\n]+)`", text_only) if "error:" not in span]
    return [command for command in found if command.startswith("scratchdl ") or command == "scratchdl"]


def is_synopsis(command: str) -> bool:
    return "[" in command  # `scratchdl train [--model M] ...`: options shown, not a command


COMMANDS = [c for c in invocations(README) if not is_synopsis(c)]


def test_the_readme_shows_commands_of_every_kind():
    shown = {shlex.split(c)[1] for c in COMMANDS if len(shlex.split(c)) > 1}
    assert {"train", "eval", "predict", "models", "datasets", "experiment", "report"} <= shown
    assert len(COMMANDS) >= 15


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_command_parses(command):
    argv = [PLACEHOLDERS.get(word, word) for word in shlex.split(command)[1:]]
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as e:
        pytest.fail(f"README shows `{command}`, which the CLI refuses (exit {e.code})")
    assert callable(args.run)


def test_report_commands_write_different_folders():
    outs = [shlex.split(c)[shlex.split(c).index("--out") + 1] for c in COMMANDS
            if c.startswith("scratchdl report") and "--out" in c]
    assert len(outs) >= 2 and len(set(outs)) == len(outs)


def test_readme_points_only_at_files_in_the_repository():
    assert "../shared" not in README and "DESIGN.md" not in README
    pointed = r"`((?:docs|benchmarks|examples|src|tests)/[^`\s]+\.(?:md|py|html|json))`"
    for path in re.findall(pointed, README):
        assert (ROOT / path).is_file(), f"README points at {path}, which does not exist"
    assert (ROOT / "docs" / "design.md").is_file()


def test_hidden_default_agrees_with_the_cli():
    from scratchdl.cli.train_cmd import DEFAULTS

    assert DEFAULTS["hidden"] == [100]
    assert "default one layer of 100" in " ".join(README.split())
