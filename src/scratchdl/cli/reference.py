"""The command line's reference page, ``docs/cli.md``: every command's ``--help``, as the parser prints it.

    python -m scratchdl.cli.reference > docs/cli.md

``tests/cli/test_cli_reference.py`` fails when the page and the parser differ, so an option, a default,
a choice or a help text changed in the code shows up in the page a user reads.
"""

from __future__ import annotations

import argparse
import os

from . import build_parser

WIDTH = 100  # the terminal width the page is written at (argparse reads $COLUMNS)


def commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Each command's own parser, in the order of ``scratchdl --help``."""
    (subparsers,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(subparsers.choices)


def help_text(parser: argparse.ArgumentParser, width: int = WIDTH) -> str:
    """``parser``'s ``--help`` as a terminal ``width`` columns wide shows it."""
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(width)
    try:
        return parser.format_help()
    finally:
        if saved is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved


def page() -> str:
    """The reference page in Markdown: ``scratchdl --help``, then each command's."""
    parser = build_parser()
    parts = ["# The scratchdl command line\n",
             "Every command's `--help`, as it prints it (written by `python -m scratchdl.cli.reference`; "
             "a test keeps it in step with the code). Every error a user can cause is one line on stderr "
             "and exit status 2; Ctrl-C stops a command with status 130 (the playground, which serves until "
             "stopped, with 0).\n",
             "## scratchdl\n", f"```text\n{help_text(parser)}```\n"]
    for name, command in commands(parser).items():
        parts += [f"## scratchdl {name}\n", f"```text\n{help_text(command)}```\n"]
    return "\n".join(parts)


if __name__ == "__main__":
    print(page(), end="")
