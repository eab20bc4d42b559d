"""``scratchdl playground``: its options, its URL with the token, the browser, and Ctrl-C."""

import io
import signal
import socket
import subprocess
import sys
import urllib.request
import webbrowser

import pytest

from scratchdl.playground import server as server_module


@pytest.mark.parametrize(("args", "needle"), [
    (["--port", "-1"], "--port: must be >= 0"),
    (["--port", "70000"], "--port: must be a port number in [0, 65535], got 70000"),
    (["--port", "x"], "--port: expected an integer >= 0"),
    (["--lang", "fr"], "--lang: invalid choice: 'fr'"),
    (["--browser"], "unrecognized arguments: --browser"),
])
def test_bad_options_fail_in_one_line(cli, args, needle, interrupted):
    # with the server stopped at once (``interrupted``), an option wrongly taken fails the test, not hangs it
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


def test_the_real_command_serves_and_stops_on_sigint(tmp_path, scratchdl_env):
    command = [sys.executable, "-m", "scratchdl", "playground", "--no-browser", "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=scratchdl_env, cwd=tmp_path)
    try:
        url = process.stdout.readline().split(": ", 1)[1].strip()
        with urllib.request.urlopen(url, timeout=10) as page:
            assert page.status == 200 and b'id="boundary"' in page.read()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0 and out.strip().endswith("scratchdl playground: stopped") and err == ""


class _FlushRecorder(io.StringIO):
    """A stdout that remembers what had been flushed when the server started serving."""

    flushed = ""

    def flush(self):
        self.flushed = self.getvalue()


@pytest.mark.parametrize(("lang", "hint"), [("en", "Ctrl-C stops it."), ("ja", "Ctrl-C で止まります。")])
def test_the_url_and_the_hint_reach_a_pipe_before_it_serves_on_one_thread(lang, hint, monkeypatch):
    """A script that reads the URL from a pipe needs both lines flushed before the server blocks; the
    page's small products run on one thread of the layers and one BLAS thread."""
    from threadpoolctl import threadpool_info

    from scratchdl.cli import main
    from scratchdl.nn import blocks

    stdout = _FlushRecorder()
    seen = {}

    def serve_forever(self, poll_interval=0.5):
        seen["flushed"] = stdout.flushed
        seen["threads"] = blocks.NUM_THREADS
        seen["blas"] = {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}
        raise KeyboardInterrupt

    monkeypatch.setattr(server_module.PlaygroundServer, "serve_forever", serve_forever)
    monkeypatch.setattr(sys, "stdout", stdout)
    monkeypatch.setattr(blocks, "NUM_THREADS", blocks.NUM_THREADS)
    assert main(["playground", "--no-browser", "--lang", lang]) == 0
    url_line, hint_line = seen["flushed"].splitlines()
    assert url_line.startswith("scratchdl playground: http://127.0.0.1:") and hint_line == hint, seen
    assert seen["threads"] == 1 and seen["blas"] == {1}, seen
    assert stdout.flushed.splitlines()[-1] == "scratchdl playground: stopped"


def test_by_default_any_free_port_in_the_language_of_the_environment():
    from scratchdl.cli import build_parser

    args = build_parser().parse_args(["playground"])
    assert (args.port, args.lang, args.no_browser) == (0, None, False)
