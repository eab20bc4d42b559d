"""What ``scratchdl`` does with what a command raises: one line and status 2 for a user's error or a
refused file, 130 for Ctrl-C in the command's language, and quiet success when a pipe closes early."""

from __future__ import annotations

import errno
import subprocess
import sys
from types import SimpleNamespace

import pytest

from scratchdl import cli
from scratchdl.errors import ConfigError


def _raising(error, **extra):
    def run(args):
        raise error

    return SimpleNamespace(command="eval", run=run, **extra)


@pytest.mark.parametrize(("error", "line"), [
    (ConfigError("--x: bad"), "scratchdl eval: error: --x: bad"),
    (PermissionError(errno.EACCES, "Permission denied", "/root/f"),
     "scratchdl eval: error: Permission denied: /root/f"),
    (OSError(errno.ENOSPC, "No space left on device"), "scratchdl eval: error: No space left on device"),
    (OSError("disk on fire"), "scratchdl eval: error: disk on fire"),
])
def test_errors_are_one_line_and_status_2(error, line, capsys):
    assert cli._run(_raising(error)) == 2
    out, err = capsys.readouterr()
    assert (out, err) == ("", line + "\n")


@pytest.mark.parametrize(("lang", "said"),
                         [(None, "interrupted"), ("en", "interrupted"), ("ja", "中断しました")])
def test_ctrl_c_is_status_130_in_the_commands_language(lang, said, capsys):
    assert cli._run(_raising(KeyboardInterrupt(), lang=lang)) == 130
    assert capsys.readouterr().err == f"scratchdl eval: {said}\n"


def test_a_command_without_a_language_says_it_in_english(capsys):
    assert cli._run(_raising(KeyboardInterrupt())) == 130
    assert capsys.readouterr().err == "scratchdl eval: interrupted\n"


def test_a_closed_pipe_ends_quietly_with_status_0(tmp_path, scratchdl_env):
    """``scratchdl datasets | head -1``: the reader stops, the next write fails; stdout then goes nowhere
    (so Python's own flush at exit cannot fail either), and the status is 0."""
    script = ("import sys, types; from scratchdl import cli\n"
              "def run(args): raise BrokenPipeError\n"
              "status = cli._run(types.SimpleNamespace(command='datasets', run=run))\n"
              "print('after'); sys.exit(status)\n")
    with open(tmp_path / "stdout", "w") as out:
        done = subprocess.run([sys.executable, "-c", script], stdout=out, stderr=subprocess.PIPE, text=True,
                              check=False, env=scratchdl_env)
    assert (done.returncode, done.stderr) == (0, "")
    assert (tmp_path / "stdout").read_text() == ""


def test_a_status_the_command_returns_is_the_exit_status():
    assert cli._run(SimpleNamespace(command="x", run=lambda args: None)) == 0
    assert cli._run(SimpleNamespace(command="x", run=lambda args: 130)) == 130
