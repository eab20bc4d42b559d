"""The one training of a playground server: a ``Session`` run by a background thread.

The trainer thread alone trains and measures; requests only change the session under
``Runner.lock`` and wake the thread. What the page needs is published to a ``Feed``, which keeps
only the newest message of each kind (``settings``, ``data``, ``frame``), so a slow viewer skips
frames and never falls behind. Frames are rate-limited: at most ``max_fps`` a second, and never
more often than every ``FRAME_COST_FACTOR`` times what the last frame took to measure (a large
network is measured less often so that it still trains); unit maps at most ``UNIT_FPS`` a second.
A training whose loss diverges is paused.
"""

from __future__ import annotations

import json
import threading
import time

from .session import Session

FRAME_COST_FACTOR = 3.0
UNIT_FPS = 4.0


class Feed:
    """The newest message of each kind, each with a sequence number; viewers wait for newer ones."""

    def __init__(self):
        self._changed = threading.Condition()
        self._latest: dict[str, tuple[int, bytes]] = {}
        self._seq = 0
        self.closed = False

    def publish(self, messages: dict[str, dict]) -> None:
        """Publish ``{kind: message}`` at once, in that order: a viewer sees all of them or none (a
        frame never reaches it before the settings of its run)."""
        bodies = {kind: json.dumps(m, separators=(",", ":"), allow_nan=False).encode()
                  for kind, m in messages.items()}
        with self._changed:
            for kind, body in bodies.items():
                self._seq += 1
                self._latest[kind] = (self._seq, body)
            self._changed.notify_all()

    def newer(self, seen: dict[str, int], timeout: float) -> list[tuple[str, bytes]]:
        """Messages newer than ``seen`` (kind -> sequence number, updated), oldest first; waits up to
        ``timeout`` seconds for one, then returns what there is (maybe nothing)."""
        with self._changed:
            self._changed.wait_for(lambda: self.closed or self._fresh(seen), timeout)
            fresh = sorted((seq, kind, body) for kind, (seq, body) in self._latest.items()
                           if seq > seen.get(kind, 0))
        for seq, kind, _ in fresh:
            seen[kind] = seq
        return [(kind, body) for _, kind, body in fresh]

    def close(self) -> None:
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def _fresh(self, seen) -> bool:
        return any(seq > seen.get(kind, 0) for kind, (seq, _) in self._latest.items())


class Runner:
    """Plays, pauses, steps and resets one ``Session`` in a thread; publishes what the page shows."""

    def __init__(self, session: Session | None = None, max_fps: float = 10.0):
        self.session = session or Session()
        self.max_fps = max_fps
        self.lock = threading.Lock()
        self.feed = Feed()
        self.playing = False
        self.frames = 0                  # frames published
        self._steps = 0                  # epochs asked for by "step"
        self._dirty = True
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._published = {"settings": None, "data": None}
        self._last_frame = self._last_units = -1e9
        self._interval = 1.0 / max_fps
        self._thread = threading.Thread(target=self._loop, name="playground-trainer", daemon=True)

    # ---- what requests call -------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self.feed.close()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def update(self, changes: dict) -> dict:
        """Apply a settings update (``schema`` checks it first; a bad one changes nothing)."""
        with self.lock:
            settings = self.session.update(changes)
        self._poke()
        return settings

    def control(self, action: str) -> dict:
        """``play``, ``pause``, ``step`` (one epoch), ``reset`` or ``regenerate``; the new state."""
        with self.lock:
            if action == "play":
                self.playing = not self.session.diverged
            elif action == "pause":
                self.playing = False
            elif action == "step":
                self.playing = False
                self._steps += 1
            elif action == "reset":
                self.session.reset()
            elif action == "regenerate":
                self.session.regenerate()
            state = self.state()
        self._poke()
        return state

    def state(self) -> dict:
        return {"playing": self.playing, "epoch": self.session.epoch, "run": self.session.run,
                "diverged": self.session.diverged, "settings": self.session.settings}

    def history_since(self, run: int, epoch: int) -> tuple[int, list[dict]]:
        """``(run, records)``: the records after ``epoch`` of run ``run``, or all of a newer run's."""
        with self.lock:
            history, current = self.session.history, self.session.run
            return current, [r for r in history if current != run or r["epoch"] > epoch]

    # ---- the trainer thread -------------------------------------------------------------
    def _poke(self) -> None:
        self._dirty = True
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            with self.lock:
                if self._steps or self.playing:
                    self._steps = max(self._steps - 1, 0)
                    self.session.train_epoch()
                    if self.session.diverged:
                        self.playing = False
                    self._dirty = True
            wait = self._interval - (time.monotonic() - self._last_frame)
            if self._dirty and wait <= 0:
                self._publish()
                continue
            if not (self.playing or self._steps):
                self._wake.wait(timeout=wait if self._dirty else None)
                self._wake.clear()

    def _publish(self) -> None:
        started = time.monotonic()
        units = started - self._last_units >= 1.0 / UNIT_FPS
        messages = {}
        with self.lock:
            self._dirty = False
            session = self.session
            if self._published["settings"] != (session.run, session.settings):
                self._published["settings"] = (session.run, dict(session.settings))
                messages["settings"] = {"settings": session.settings, "run": session.run,
                                        "layers": session.layer_names()}
            if self._published["data"] != session.data_version:
                self._published["data"] = session.data_version
                messages["data"] = session.points()
            messages["frame"] = {**session.frame(units=units), "playing": self.playing}
        self.feed.publish(messages)
        self.frames += 1
        self._last_frame = time.monotonic()
        if units:
            self._last_units = started
        cost = self._last_frame - started
        self._interval = max(1.0 / self.max_fps, FRAME_COST_FACTOR * cost)
