"""Ctrl-C (a real SIGINT) to ``scratchdl experiment`` and ``scratchdl report`` while a topic trains:
the whole command stops within seconds, prints one line, exits 130 and writes no results."""

import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.slow  # each waits until a topic is well into its training runs


def start(*args):
    return subprocess.Popen([sys.executable, "-m", "scratchdl.cli", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def interrupt(proc, when_ready, timeout=120) -> float:
    """Wait until ``when_ready()``, send SIGINT; the seconds from the signal to the exit."""
    deadline = time.monotonic() + timeout
    while not when_ready():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the command never got going"
        time.sleep(0.05)
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=30)
    return time.monotonic() - sent


def assert_stopped(proc, seconds, command) -> list[str]:
    """Exit 130 within 5 s, one line on stderr; the lines it printed on stdout."""
    out, err = proc.communicate()
    assert proc.returncode == 130, (out, err)
    print(f"{command}: {seconds:.2f} s from SIGINT to exit")
    assert seconds < 5, f"{seconds:.1f} s from SIGINT to exit"
    assert err.strip().splitlines() == [f"scratchdl {command}: interrupted"], err
    return out.splitlines()


def test_ctrl_c_stops_an_experiment_inside_its_training_runs(tmp_path):
    out = tmp_path / "wi"
    proc = start("experiment", "weight-init", "--quick", "--out", out)
    began = time.monotonic()  # weight-init trains 9 MLPs after about a second of forward passes

    seconds = interrupt(proc, lambda: out.is_dir() and time.monotonic() - began > 4)
    assert assert_stopped(proc, seconds, "experiment") == []  # no numbers, no "5/5 checks passed"


def test_ctrl_c_stops_a_report_and_writes_no_results(tmp_path):
    out = tmp_path / "report"
    proc = start("report", "--quick", "--only", "activations,weight-init", "--out", out)
    weight_init = out / "weight-init"
    began = []

    def in_training():
        if weight_init.is_dir() and not began:
            began.append(time.monotonic())
        return bool(began) and time.monotonic() - began[0] > 3

    seconds = interrupt(proc, in_training)
    printed = assert_stopped(proc, seconds, "report")
    assert len(printed) == 1 and printed[0].startswith("[1/2] activations: "), printed
    assert not [p.name for p in out.iterdir() if p.is_file()]  # no report.md, report.html, results.json
    assert not list(out.rglob("*.tmp"))
