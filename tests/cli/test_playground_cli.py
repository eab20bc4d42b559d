"""``scratchdl playground``: its options, its URL with the token, the browser, and Ctrl-C."""

import os
import signal
import socket
import subprocess
import sys
import urllib.request
import webbrowser
from pathlib import Path

import pytest

import scratchdl
from scratchdl.playground import server as server_module


@pytest.mark.parametrize(("args", "needle"), [
    (["--port", "-1"], "--port: must be >= 0"),
    (["--port", "70000"], "--port: must be a port number in [0, 65535], got 70000"),
    (["--port", "x"], "--port: expected an integer >= 0"),
    (["--lang", "fr"], "--lang: invalid choice: 'fr'"),
    (["--browser"], "unrecognized arguments: --browser"),
])
def test_bad_options_fail_in_one_line(cli, args, needle):
    status, _, err = cli("playground", *args)
    assert status == 2 and err.count("\n") == 1 and needle in err and "Traceback" not in err


def test_help(cli):
    status, out, _ = cli("playground", "--help")
    assert status == 0 and "--no-browser" in out and "Ctrl-C" in out


@pytest.fixture
def interrupted(monkeypatch):
    """Servers whose ``serve_forever`` is Ctrl-C at once; the browser calls and languages recorded."""
    seen = {"opened": [], "langs": []}

    def serve_forever(self, poll_interval=0.5):
        seen["langs"].append(self.lang)
        raise KeyboardInterrupt

    monkeypatch.setattr(server_module.PlaygroundServer, "serve_forever", serve_forever)
    monkeypatch.setattr(webbrowser, "open", lambda url: seen["opened"].append(url))
    return seen


def test_ctrl_c_stops_cleanly_with_status_0_and_opens_the_browser(cli, interrupted, monkeypatch):
    monkeypatch.setenv("SCRATCHDL_LANG", "ja")
    status, out, err = cli("playground")
    lines = out.splitlines()
    assert status == 0 and err == ""
    assert lines[0].startswith("scratchdl playground: http://127.0.0.1:") and "/?token=" in lines[0]
    assert lines[-1] == "scratchdl playground: stopped"
    assert interrupted["opened"] == [lines[0].split(": ", 1)[1]] and interrupted["langs"] == ["ja"]
    status, _, _ = cli("playground", "--no-browser", "--lang", "en")
    assert status == 0 and len(interrupted["opened"]) == 1 and interrupted["langs"][-1] == "en"


def test_a_port_in_use_is_one_line(cli):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status, _, err = cli("playground", "--no-browser", "--port", port)
    assert status == 2 and err.startswith(f"scratchdl playground: error: cannot listen on 127.0.0.1:{port}")
    assert err.count("\n") == 1


def test_the_real_command_serves_and_stops_on_sigint(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(Path(scratchdl.__file__).parents[1])}  # this scratchdl
    command = [sys.executable, "-m", "scratchdl", "playground", "--no-browser", "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                               cwd=tmp_path)
    try:
        url = process.stdout.readline().split(": ", 1)[1].strip()
        with urllib.request.urlopen(url, timeout=10) as page:
            assert page.status == 200 and b'id="boundary"' in page.read()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0 and out.strip().endswith("scratchdl playground: stopped") and err == ""
