"""The training thread and its feed: newest message of each kind, play/pause/step, a diverged run paused."""

import json
import threading
import time

import pytest

from scratchdl.playground.runner import Feed, Runner
from scratchdl.playground.session import Session


def wait_until(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert condition()


def test_feed_keeps_the_newest_of_each_kind_in_order():
    feed = Feed()
    feed.publish({"frame": {"n": 1}})
    feed.publish({"settings": {"s": 1}, "frame": {"n": 2}})
    seen = {}
    fresh = [(kind, json.loads(body)) for kind, body in feed.newer(seen, 0)]
    assert fresh == [("settings", {"s": 1}), ("frame", {"n": 2})]
    assert feed.newer(seen, 0) == []
    started = time.monotonic()
    threading.Timer(0.1, feed.publish, ({"frame": {"n": 3}},)).start()
    assert [k for k, _ in feed.newer(seen, 5)] == ["frame"] and time.monotonic() - started < 4
    with pytest.raises(ValueError):
        feed.publish({"frame": {"bad": float("nan")}})  # JSON has no NaN: refused here, not in the browser


@pytest.fixture
def runner():
    runner = Runner(Session({"hidden": [3]}), max_fps=20)
    runner.start()
    yield runner
    runner.stop()


def test_play_pause_and_step(runner):
    wait_until(lambda: runner.frames >= 1)  # the first frame, before any training
    assert runner.session.epoch == 0
    runner.control("play")
    wait_until(lambda: runner.session.epoch >= 5)
    runner.control("pause")
    time.sleep(0.05)
    epoch = runner.session.epoch
    time.sleep(0.2)
    assert runner.session.epoch == epoch
    runner.control("step")
    wait_until(lambda: runner.session.epoch == epoch + 1)
    time.sleep(0.1)
    assert runner.session.epoch == epoch + 1 and not runner.playing
    run, records = runner.history_since(-1, -1)
    assert run == runner.session.run and [r["epoch"] for r in records] == list(range(epoch + 2))
    assert runner.history_since(run, epoch)[1][-1]["epoch"] == epoch + 1


def test_a_diverging_run_is_paused(runner):
    runner.update({"optimizer": "sgd", "lr": 10.0, "init": "normal:1", "activation": "relu",
                   "hidden": [64] * 8})
    runner.control("play")
    wait_until(lambda: runner.session.diverged and not runner.playing)
    assert runner.control("play")["playing"] is False
    runner.control("reset")
    assert runner.state()["epoch"] == 0


def test_the_trainer_thread_ends_on_stop():
    runner = Runner(Session({"hidden": [2]}))
    runner.start()
    runner.control("play")
    runner.stop()
    assert not runner._thread.is_alive() and runner.feed.closed
