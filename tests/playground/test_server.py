"""The playground server without a browser: what it serves, and every bad request refused as specified
(wrong Host, missing or wrong token, foreign Origin, bad settings, oversized or invalid bodies) while it
keeps serving and the training in progress goes on."""

import fnmatch
import http.client
import io
import json
import threading
import time
import tomllib
from pathlib import Path

import numpy as np
import pytest

from scratchdl.playground import schema
from scratchdl.playground.server import CSP, MAX_STREAMS, STATIC, TOKEN_HEADER, PlaygroundServer


@pytest.fixture(scope="module")
def server():
    server = PlaygroundServer(port=0, lang="ja").start()
    yield server
    server.stop()


def request(server, method, path, body=None, host=None, origin="same", token="good",
            content_type="application/json", headers=None):
    """``(status, headers, body bytes)`` of one request with exactly the headers given."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    host = f"127.0.0.1:{server.port}" if host is None else host
    if host is not False:
        connection.putheader("Host", host)
    if origin == "same":
        origin = f"http://{host}"
    if origin is not None:
        connection.putheader("Origin", origin)
    if token == "good":
        token = server.token
    if token is not None:
        connection.putheader(TOKEN_HEADER, token)
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        connection.putheader("Content-Type", content_type)
        connection.putheader("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        connection.putheader(name, value)
    connection.endheaders()
    if body is not None:
        connection.send(data)
    response = connection.getresponse()
    result = response.status, dict(response.getheaders()), response.read()
    connection.close()
    return result


def post(server, path, body, **kwargs):
    return request(server, "POST", path, body, **kwargs)


def still_serving(server):
    status, _, body = request(server, "GET", "/")
    assert status == 200 and b"<canvas id=\"boundary\"" in body
    status, _, body = post(server, "/api/control", {"action": "pause"})
    assert status == 200 and json.loads(body)["playing"] is False


def test_the_page_and_its_files_are_served_with_the_policy(server):
    for path, (_, kind) in STATIC.items():
        status, headers, body = request(server, "GET", path)
        assert status == 200 and headers["Content-Type"] == kind and body
        assert headers["Content-Security-Policy"] == CSP and CSP.startswith("default-src 'self'")
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"] == "no-referrer"
    page = request(server, "GET", "/")[2].decode()
    for element in ('id="play"', 'id="pause"', 'id="reset"', '<select id="dataset"', '<select id="optimizer"',
                    '<select id="activation"', 'id="epoch"', 'id="test-loss"', 'id="test-accuracy"',
                    '<canvas id="boundary"'):
        assert element in page
    assert "http" not in page.replace('content="width', "")  # nothing from elsewhere
    assert "<script>" not in page and "style=" not in page  # no inline code: the policy forbids it


@pytest.mark.parametrize("path", ["/index.html", "/static/app.js", "/../pyproject.toml", "/%2e%2e/x",
                                  "/app.js/", "/api", "/api/settings"])
def test_only_the_fixed_files_are_served(server, path):
    status, _, body = request(server, "GET", path)
    assert status == 404 and body.count(b"\n") == 1


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1", "localhost",
                                  "127.0.0.1:1", "0.0.0.0:{port}", "[::1]:{port}", False])
def test_a_wrong_host_header_is_refused(server, host):
    host = host.format(port=server.port) if host else host
    for method, path, body in [("GET", "/", None), ("GET", f"/events?token={server.token}", None),
                               ("POST", "/api/control", {"action": "play"})]:
        status, _, text = request(server, method, path, body, host=host)
        assert status == 403 and b"wrong Host header" in text and text.count(b"\n") == 1
    assert not server.runner.playing
    still_serving(server)


def test_localhost_is_a_right_host(server):
    status, _, _ = post(server, "/api/control", {"action": "pause"}, host=f"localhost:{server.port}")
    assert status == 200


@pytest.mark.parametrize(("kwargs", "reason"), [
    ({"token": None}, b"missing token"),
    ({"token": "guess"}, b"wrong token"),
    ({"origin": None}, b"this page's own Origin"),
    ({"origin": "http://evil.example"}, b"this page's own Origin"),
    ({"origin": "null"}, b"this page's own Origin"),
    ({"origin": "https://127.0.0.1:{port}"}, b"this page's own Origin"),
    ({"origin": "http://localhost:{port}"}, b"this page's own Origin"),  # Host says 127.0.0.1
])
def test_a_post_without_the_token_or_from_another_origin_is_refused(server, kwargs, reason):
    kwargs = {k: v.format(port=server.port) if isinstance(v, str) else v for k, v in kwargs.items()}
    for path, body in [("/api/control", {"action": "play"}), ("/api/settings", {"lr": 0.1})]:
        status, _, text = post(server, path, body, **kwargs)
        assert status == 403 and reason in text and text.count(b"\n") == 1
    assert not server.runner.playing and server.runner.session.settings["lr"] != 0.1
    still_serving(server)


def test_the_token_is_needed_for_the_stream_and_the_api(server):
    for path in ["/events", "/api/code?name=Linear", "/api/export", "/api/data.npz",
                 "/events?token=wrong", f"/api/export?token={server.token[:-1]}"]:
        status, _, text = request(server, "GET", path)
        assert status == 403 and b"token" in text


BAD_BODIES = [
    ({"hidden": [16, 65]}, "hidden[1]: expected an integer in [1, 64], got 65"),
    ({"activation": "swish"}, "activation: unknown value 'swish'"),
    ({"optimizer": "adam", "eval": "1"}, "unknown setting 'eval'"),
    (b"{not json", "request body is not valid JSON"),
    (b"[]", "must be a JSON object"),
    (b'{"lr": 0.1' + b" " * (20 * 1024) + b"}", "request body is 20491 bytes; the limit is 16384"),
]


@pytest.mark.parametrize(("body", "reason"), BAD_BODIES, ids=["width", "activation", "unknown-key", "json",
                                                               "not-object", "oversized"])
def test_bad_settings_get_400_with_one_line_and_the_training_goes_on(server, body, reason):
    before = dict(server.runner.session.settings)
    assert post(server, "/api/control", {"action": "play"})[0] == 200
    epoch = server.runner.session.epoch
    status, headers, text = post(server, "/api/settings", body)
    assert status == 400 and headers["Content-Type"].startswith("text/plain")
    assert text.decode().strip() == text.decode().strip().splitlines()[0] and reason in text.decode()
    assert server.runner.session.settings == before
    deadline = time.monotonic() + 10
    while server.runner.session.epoch <= epoch + 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.runner.playing and server.runner.session.epoch > epoch + 2  # it trained on
    still_serving(server)


@pytest.mark.parametrize(("content_type", "body", "reason"), [
    ("text/plain", b'{"action": "play"}', "Content-Type: application/json"),
    ("application/x-www-form-urlencoded", b"action=play", "Content-Type: application/json"),
    ("application/json", b'{"action": "fly"}', "action: unknown value 'fly'"),
])
def test_bad_control_messages(server, content_type, body, reason):
    status, _, text = post(server, "/api/control", body, content_type=content_type)
    assert status == 400 and reason in text.decode()
    still_serving(server)


def test_a_post_without_a_length_is_refused(server):
    status, _, text = request(server, "POST", "/api/control", headers={"Content-Type": "application/json"})
    assert status == 400 and b"Content-Length" in text
    still_serving(server)


def test_good_settings_and_controls(server):
    status, _, body = post(server, "/api/settings", {"hidden": [4, 4], "activation": "relu"})
    assert status == 200 and json.loads(body)["settings"]["hidden"] == [4, 4]
    status, _, body = post(server, "/api/control", {"action": "step"})
    assert status == 200 and json.loads(body)["playing"] is False
    deadline = time.monotonic() + 10
    while server.runner.session.epoch < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.runner.session.epoch == 1
    assert json.loads(post(server, "/api/control", {"action": "reset"})[2])["epoch"] == 0
    seed = server.runner.session.settings["seed"]
    regenerated = json.loads(post(server, "/api/control", {"action": "regenerate"})[2])
    assert regenerated["settings"]["seed"] == seed + 1
    assert [t.name for t in threading.enumerate()].count("playground-trainer") == 1  # one training


def test_code_export_and_data(server):
    status, _, body = request(server, "GET", f"/api/code?name=Linear&token={server.token}")
    assert status == 200 and "def backward" in json.loads(body)["methods"][1]["source"]
    status, _, body = request(server, "GET", f"/api/code?name=os&token={server.token}")
    assert status == 400 and body.startswith(b"no code view for 'os'")
    status, _, body = request(server, "GET", f"/api/export?token={server.token}")
    found = json.loads(body)
    assert found["command"].startswith("scratchdl train --model mlp") and "optim." in found["python"]
    assert "changed_live_at" in found
    status, headers, body = request(server, "GET", f"/api/data.npz?token={server.token}")
    assert status == 200 and "attachment" in headers["Content-Disposition"]
    with np.load(io.BytesIO(body), allow_pickle=False) as arrays:
        assert {"x_train", "t_train", "x_test", "t_test", "classes"} <= set(arrays.files)


def read_events(server, count, timeout=20):
    """The first ``count`` events of the stream: ``[(kind, data), ...]``."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    connection.request("GET", f"/events?token={server.token}")
    response = connection.getresponse()
    assert response.status == 200, response.read()
    assert response.getheader("Content-Type").startswith("text/event-stream")
    events, kind = [], None
    while len(events) < count:
        line = response.fp.readline().decode().rstrip("\n")
        if line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: "):
            events.append((kind, json.loads(line[6:])))
    connection.close()
    return events


def test_the_stream_sends_info_settings_data_frames_and_history(server):
    post(server, "/api/control", {"action": "play"})
    events = read_events(server, 7)
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "info" and set(kinds[1:3]) == {"settings", "data"} and kinds[3] == "frame"
    assert "history" in kinds
    info = events[0][1]
    assert info["lang"] == "ja" and set(info["schema"]["fields"]) == set(schema.FIELDS)
    assert info["formulas"]["Sigmoid"][1].startswith("∂L/∂x = δ · y (1 − y)")
    frame = next(data for kind, data in events if kind == "frame")
    assert {"epoch", "latest", "boundary", "layers", "playing"} <= set(frame)
    post(server, "/api/control", {"action": "pause"})


def test_frames_are_rate_limited(server):
    post(server, "/api/settings", {"hidden": [2]})
    post(server, "/api/control", {"action": "play"})
    before, started = server.runner.frames, time.monotonic()
    time.sleep(1.0)
    frames, seconds = server.runner.frames - before, time.monotonic() - started
    post(server, "/api/control", {"action": "pause"})
    assert 1 <= frames <= server.runner.max_fps * seconds + 1


def test_streams_are_capped(server):
    post(server, "/api/control", {"action": "reset"})  # a frame: streams whose reader left end on it
    deadline = time.monotonic() + 10
    while server.open_streams and time.monotonic() < deadline:
        time.sleep(0.02)
    responses = []
    try:
        for _ in range(MAX_STREAMS):
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            connection.request("GET", f"/events?token={server.token}")
            responses.append(connection.getresponse())  # held: the stream stays open
            assert responses[-1].status == 200
        status, _, text = request(server, "GET", f"/events?token={server.token}")
        assert status == 503 and b"already" in text
    finally:
        for response in responses:
            response.close()
    still_serving(server)


def test_every_served_file_ships_in_the_package_and_none_else_lies_there():
    root = Path(__file__).parents[2]
    patterns = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    static = root / "src/scratchdl/playground/static"
    names = {name for name, _ in STATIC.values()}
    assert names == {p.name for p in static.iterdir()}
    for name in names:
        assert any(fnmatch.fnmatch(f"static/{name}", p) for p in patterns["scratchdl.playground"]), name
