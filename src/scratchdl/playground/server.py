"""The playground's HTTP server: the standard library's ``http.server``, Server-Sent Events, one training.

Thin by design: it checks a request, hands it to the ``Runner`` and streams what the runner
publishes. Nothing to install (an ASGI server would bring a dependency and an event loop for one
local viewer; SSE over ``ThreadingHTTPServer`` is enough for a page that receives frames and sends
a few small settings).

Security (the server runs code on the learner's machine and listens while a browser visits other
sites):

- It listens on 127.0.0.1 only. Every request's ``Host`` must be ``127.0.0.1:PORT`` or
  ``localhost:PORT`` (a DNS-rebinding page sends its own host name), else 403.
- The API needs the token printed with the URL (``secrets.token_urlsafe``): ``?token=`` for GETs
  of ``/events`` and ``/api/...``, the ``X-Playground-Token`` header for POSTs; POSTs also need an
  ``Origin`` equal to ``http://`` + the Host (a same-origin request). Else 403.
- A POST body is JSON, ``application/json``, at most ``schema.MAX_BODY`` (16 KiB) bytes, checked
  by ``schema``; a bad one gets 400 with a one-line reason, and the training goes on.
- Only the files of ``STATIC`` are served, from memory; every response carries
  ``Content-Security-Policy: default-src 'self'`` (the page loads nothing from elsewhere),
  ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer`` and no caching.
- One training per server (one ``Runner``); frames rate-limited there; at most
  ``MAX_STREAMS`` event streams at once.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import secrets
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from urllib.parse import parse_qs, urlsplit

from ..errors import ConfigError
from . import as_code, code_view, schema
from .runner import Runner

CSP = "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
STATIC = {"/": ("index.html", "text/html; charset=utf-8"),
          "/app.js": ("app.js", "text/javascript; charset=utf-8"),
          "/charts.js": ("charts.js", "text/javascript; charset=utf-8"),
          "/i18n.js": ("i18n.js", "text/javascript; charset=utf-8"),
          "/style.css": ("style.css", "text/css; charset=utf-8"),
          "/favicon.svg": ("favicon.svg", "image/svg+xml")}
MAX_STREAMS = 8
KEEPALIVE_SECONDS = 15.0
TOKEN_HEADER = "X-Playground-Token"


class Refused(Exception):
    """A request answered with ``status`` and a one-line ``reason``."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


class PlaygroundServer(ThreadingHTTPServer):
    """``PlaygroundServer(port=0, lang="en")``: bound to 127.0.0.1, one ``Runner``; ``url`` has the token.

    ``start()`` serves in a background thread (tests), ``serve_forever()`` in this one (the command);
    ``stop()`` ends the training, the streams and the server.
    """

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int = 0, lang: str = "en", runner: Runner | None = None):
        super().__init__(("127.0.0.1", port), Handler)
        self.port = self.server_address[1]
        self.lang = lang
        self.token = secrets.token_urlsafe(24)
        self.hosts = {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}
        self.runner = runner or Runner()
        self.open_streams = 0  # event streams being served now (at most MAX_STREAMS)
        self._streams_lock = threading.Lock()
        self.files = {path: (resources.files(__package__).joinpath("static", name).read_bytes(), kind)
                      for path, (name, kind) in STATIC.items()}
        self.stopping = threading.Event()
        self._thread = None
        self.runner.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/?token={self.token}"

    def start(self) -> PlaygroundServer:
        self._thread = threading.Thread(target=self.serve_forever, name="playground-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.runner.stop()
        if self._thread is not None:
            self.shutdown()
            self._thread.join(timeout=10)
        self.server_close()

    def take_stream(self) -> bool:
        """Count one more event stream, unless ``MAX_STREAMS`` are open already."""
        with self._streams_lock:
            if self.open_streams >= MAX_STREAMS:
                return False
            self.open_streams += 1
            return True

    def release_stream(self) -> None:
        with self._streams_lock:
            self.open_streams -= 1

    def handle_error(self, request, client_address) -> None:
        """A viewer that went away is not an error worth a traceback."""
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)

    def info(self) -> dict:
        """What the page needs once: language, the settings' schema, and the formula of each class it can
        show the code of (the code buttons' tooltips)."""
        return {"lang": self.lang, "schema": schema.describe(),
                "formulas": {name: list(formula) for name, (_, _, formula) in code_view.ALLOWED.items()}}


class Handler(BaseHTTPRequestHandler):
    server: PlaygroundServer
    server_version = "scratchdl-playground"
    sys_version = ""
    timeout = 30  # seconds a socket may sit idle (a reader that stops reading is let go)

    # ---- entry points -------------------------------------------------------------------
    def do_GET(self):  # noqa: N802 (http.server's name)
        self._answer(self._get)

    def do_POST(self):  # noqa: N802
        self._answer(self._post)

    def log_message(self, format, *args):  # noqa: A002 (http.server's name); quiet: the page is the log
        pass

    def _answer(self, route) -> None:
        try:
            self._check_host()
            route(urlsplit(self.path))
        except Refused as e:
            self._send(e.status, (e.reason + "\n").encode(), "text/plain; charset=utf-8")
        except ConfigError as e:
            self._send(400, (str(e).splitlines()[0] + "\n").encode(), "text/plain; charset=utf-8")
        except (ConnectionError, TimeoutError):
            self.close_connection = True
        except Exception as e:  # a bug of ours: one line back, one line here, and keep serving
            self.close_connection = True
            reason = f"internal error: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
            print(f"scratchdl playground: {reason} ({self.command} {urlsplit(self.path).path})",
                  file=sys.stderr)
            with contextlib.suppress(ConnectionError, TimeoutError):
                self._send(500, (reason + "\n").encode(), "text/plain; charset=utf-8")

    # ---- routes --------------------------------------------------------------------------
    def _get(self, url) -> None:
        if url.path in self.server.files:
            body, kind = self.server.files[url.path]
            self._send(200, body, kind)
            return
        query = parse_qs(url.query)
        if url.path not in ("/events", "/api/code", "/api/export", "/api/data.npz"):
            raise Refused(404, f"no such page: {url.path[:80]}")
        self._check_token(query.get("token", [""])[0])
        runner = self.server.runner
        if url.path == "/events":
            self._stream()
        elif url.path == "/api/code":
            self._json(code_view.code(query.get("name", [""])[0]))
        elif url.path == "/api/export":
            with runner.lock:
                session = runner.session
                settings, epoch, changed_at = dict(session.settings), session.epoch, session.changed_live_at
            npz = as_code.npz_name(settings) if as_code.needs_npz(settings) else None
            self._json({"command": as_code.command(settings, epoch),
                        "python": as_code.python(settings, epoch), "npz": npz, "changed_live_at": changed_at})
        else:
            with runner.lock:
                session = runner.session
                settings, body = session.settings, as_code.data_npz(session.train_set, session.test_set)
            self._send(200, body, "application/octet-stream",
                       {"Content-Disposition": f'attachment; filename="{as_code.npz_name(settings)}"'})

    def _post(self, url) -> None:
        if url.path not in ("/api/settings", "/api/control"):
            raise Refused(404, f"no such endpoint: {url.path[:80]}")
        origin = self.headers.get("Origin")
        if origin != "http://" + self.headers.get("Host", ""):
            raise Refused(403, f"a POST needs this page's own Origin, got {str(origin)[:80]!r}")
        self._check_token(self.headers.get(TOKEN_HEADER, ""))
        body = self._body()
        if url.path == "/api/settings":
            self._json({"settings": self.server.runner.update(schema.validate_settings(body))})
        else:
            self._json(self.server.runner.control(schema.validate_control(body)))

    # ---- checks --------------------------------------------------------------------------
    def _check_host(self) -> None:
        host = self.headers.get("Host", "")
        if host not in self.server.hosts:
            raise Refused(403, f"wrong Host header {host[:80]!r}; open http://127.0.0.1:{self.server.port}/")

    def _check_token(self, given: str) -> None:
        if not given:
            raise Refused(403, "missing token; open the URL that `scratchdl playground` printed")
        if not hmac.compare_digest(given.encode(), self.server.token.encode()):
            raise Refused(403, "wrong token; open the URL that `scratchdl playground` printed")

    def _body(self) -> dict:
        if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            raise ConfigError("a POST body must be Content-Type: application/json")
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            raise ConfigError("a POST needs a Content-Length")
        if int(length) > schema.MAX_BODY:
            self.close_connection = True  # the body is left unread
            raise ConfigError(f"request body is {int(length)} bytes; the limit is {schema.MAX_BODY}")
        return schema.parse_body(self.rfile.read(int(length)))

    # ---- responses -----------------------------------------------------------------------
    def _json(self, value) -> None:
        self._send(200, json.dumps(value, allow_nan=False).encode(), "application/json")

    def _send(self, status: int, body: bytes, kind: str, extra: dict | None = None) -> None:
        self.send_response(status)
        self._headers(kind, {"Content-Length": str(len(body)), **(extra or {})})
        self.wfile.write(body)

    def _headers(self, kind: str, extra: dict) -> None:
        for name, value in {"Content-Type": kind, "Content-Security-Policy": CSP,
                            "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
                            "Cache-Control": "no-store", **extra}.items():
            self.send_header(name, value)
        self.end_headers()

    def _stream(self) -> None:
        """Server-Sent Events: ``info`` once, then the newest ``settings``, ``data`` and ``frame``
        (each frame followed by the ``history`` records this viewer has not had) as they come."""
        if not self.server.take_stream():
            raise Refused(503, f"already {MAX_STREAMS} pages open on this server; close one")
        try:
            self.send_response(200)
            self._headers("text/event-stream; charset=utf-8", {"Connection": "close"})
            self.close_connection = True
            self._event("info", json.dumps(self.server.info()).encode())
            seen: dict[str, int] = {}
            run, epoch = -1, -1
            runner, feed = self.server.runner, self.server.runner.feed
            while not self.server.stopping.is_set() and not feed.closed:
                messages = feed.newer(seen, KEEPALIVE_SECONDS)
                if not messages:
                    self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
                for kind, body in messages:
                    self._event(kind, body)
                    if kind == "frame":
                        run, records = runner.history_since(run, epoch)
                        if records:
                            epoch = records[-1]["epoch"]
                            self._event("history", json.dumps({"run": run, "records": records},
                                                              allow_nan=False).encode())
        finally:
            self.server.release_stream()

    def _event(self, kind: str, data: bytes) -> None:
        self.wfile.write(b"event: " + kind.encode() + b"\ndata: " + data + b"\n\n")
        self.wfile.flush()
