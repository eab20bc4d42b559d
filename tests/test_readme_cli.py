"""Every ``scratchdl ...`` command the READMEs (English and Japanese) show parses with the CLI's own
parser, and the READMEs point only at files that exist."""

import re
import shlex
from pathlib import Path

import pytest

from scratchdl.cli import build_parser

ROOT = Path(__file__).parents[1]
READMES = {name: (ROOT / name).read_text(encoding="utf-8") for name in ("README.md", "README.ja.md")}
README = READMES["README.md"]

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
    # inline code: commands with arguments; `scratchdl predict` alone names a command in prose, and
    # `scratchdl train: error ...` quotes a message
    found += [span for span in re.findall(r"`([^`\n]+)`", text_only)
              if len(span.split()) > 2 and not span.split()[1].endswith(":")]
    return [command for command in found if command.startswith("scratchdl ") or command == "scratchdl"]


def is_synopsis(command: str) -> bool:
    return "[" in command  # `scratchdl train [--model M] ...`: options shown, not a command


COMMANDS = [c for c in invocations(README) if not is_synopsis(c)]
ALL_COMMANDS = sorted({c for text in READMES.values() for c in invocations(text) if not is_synopsis(c)})


def test_the_readme_shows_commands_of_every_kind():
    shown = {shlex.split(c)[1] for c in COMMANDS if len(shlex.split(c)) > 1}
    assert {"train", "eval", "predict", "models", "datasets", "experiment", "report"} <= shown
    assert len(COMMANDS) >= 15


@pytest.mark.parametrize("command", ALL_COMMANDS)
def test_readme_command_parses(command):
    argv = [PLACEHOLDERS.get(word, word) for word in shlex.split(command)[1:]]
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as e:
        pytest.fail(f"README shows `{command}`, which the CLI refuses (exit {e.code})")
    assert callable(args.run)


@pytest.mark.parametrize("name", READMES)
def test_report_commands_write_different_folders(name):
    commands = [c for c in invocations(READMES[name]) if not is_synopsis(c)]
    outs = [shlex.split(c)[shlex.split(c).index("--out") + 1] for c in commands
            if c.startswith("scratchdl report") and "--out" in c]
    assert len(outs) >= 2 and len(set(outs)) == len(outs)


@pytest.mark.parametrize("name", READMES)
def test_readme_points_only_at_files_in_the_repository(name):
    text = READMES[name]
    assert "../shared" not in text and "DESIGN.md" not in text
    pointed = r"`((?:docs|benchmarks|examples|src|tests|notebooks)/[^`\s]+\.(?:md|py|html|json|ipynb))`"
    for path in re.findall(pointed, text):
        assert (ROOT / path).is_file(), f"{name} points at {path}, which does not exist"
    assert (ROOT / "docs" / "design.md").is_file()


def test_hidden_default_agrees_with_the_cli():
    from scratchdl.cli.train_cmd import DEFAULTS

    assert DEFAULTS["hidden"] == [100]
    assert "default one layer of 100" in " ".join(README.split())
