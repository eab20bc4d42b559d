"""What the command line says: help for every command, eval's table, output into a file."""

import argparse
import re

import pytest

from scratchdl.cli import build_parser


def subcommands():
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action


COMMANDS = sorted(subcommands().choices)


def test_top_level_help_lists_every_command_with_one_line(cli):
    status, out, _ = cli("--help")
    assert status == 0
    assert {"train", "eval", "predict", "models", "datasets", "experiment", "report"} <= set(COMMANDS)
    helps = {a.dest: a.help for a in subcommands()._choices_actions}
    for command in COMMANDS:
        assert helps.get(command), f"{command} has no one-line help"
        assert "\n" not in helps[command]
        assert re.search(rf"^\s+{command}\b", out, flags=re.M), f"{command} missing from --help"
        assert helps[command].split()[0] in out
    first = out.split("\n\n")[1]
    for command in COMMANDS:  # the description names them all too
        assert command in first


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_no_raw_markup_in_any_help(cli, command):
    status, out, _ = cli(*([command] if command else []), "--help")
    assert status == 0 and "usage: scratchdl" in out
    assert "``" not in out
    assert "`" not in out.replace("`scratchdl datasets`", "")


def test_eval_labels_the_recall_column(cli, tmp_path):
    out_dir = tmp_path / "run"
    assert cli("train", "--model", "mlp", "--hidden", "16", "--epochs", "1", "--out", out_dir)[0] == 0
    status, out, _ = cli("eval", out_dir)
    assert status == 0
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("confusion matrix"))
    columns = lines[header + 1].split()
    assert columns == [*map(str, range(10)), "recall"]
    first_row = lines[header + 2].split()
    assert len(first_row) == 12 and 0.0 <= float(first_row[-1]) <= 1.0


def test_output_into_a_file_is_one_line_per_epoch(cli, tmp_path):
    """Under pytest stdout and stderr are not terminals: no per-batch bars, one line per epoch."""
    status, out, err = cli("train", "--model", "mlp", "--hidden", "16", "--epochs", "3",
                           "--out", tmp_path / "r")
    assert status == 0
    assert "\r" not in err and "batch" not in err and err == ""
    lines = out.strip().splitlines()
    assert [line.split()[:2] for line in lines[:3]] == [["epoch", "1"], ["epoch", "2"], ["epoch", "3"]]
    assert "test acc" not in lines[0] and "test loss" in lines[0]
    assert lines[3].startswith("test accuracy: ") and len(lines) == 4


@pytest.mark.parametrize("value", ["normal:0.05", "uniform:0.1", "he_normal", "xavier"])
def test_init_accepts_what_the_library_does(cli, tmp_path, value):
    status, out, err = cli("train", "--model", "mlp", "--hidden", "8", "--epochs", "1", "--init", value,
                           "--out", tmp_path / "r")
    assert status == 0, err
    from scratchdl import checkpoint

    assert checkpoint.read_meta(tmp_path / "r")["options"]["init"] == value


@pytest.mark.parametrize("value, needle", [("normal:x", "standard deviation"), ("uniform:-1", "bound"),
                                           ("normal:0", "> 0"), ("gauss", "normal:STD")])
def test_bad_init_is_one_line(cli, tmp_path, value, needle):
    status, _, err = cli("train", "--init", value, "--out", tmp_path / "r")
    assert status == 2 and len(err.strip().splitlines()) == 1
    assert "--init" in err and needle in err
    assert not (tmp_path / "r").exists()


def test_hidden_default_is_the_same_in_help_and_code(cli):
    from scratchdl.cli.train_cmd import DEFAULTS

    _, out, _ = cli("train", "--help")
    assert DEFAULTS["hidden"] == [100]
    assert "(default 100: one layer)" in " ".join(out.split())
