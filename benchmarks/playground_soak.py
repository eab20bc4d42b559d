"""Soak test of ``scratchdl playground`` (not in CI): the page open in headless Chromium for N minutes,
playing, changing settings and resetting in a loop, while the server's memory and the frames the page
receives are recorded.

    python benchmarks/playground_soak.py                    # 30 minutes
    python benchmarks/playground_soak.py --minutes 2 --json soak.json

The server runs as its own process (``python -m scratchdl playground --no-browser --port 0``), so its
resident memory (``VmRSS`` of ``/proc/PID/status``) is the server's alone. Every ``--act-seconds`` the
script does the next action of ``ACTIONS`` through the page's own controls (selects, buttons, the
hidden-layer inputs), as a learner would, and keeps the training playing. Every ``--sample-seconds``
it records the time, the server's RSS, the frames the page has received (``state.framesReceived``) and
the epoch on the page. At the end it prints the samples' summary: RSS after the warm-up
(``--warmup-minutes``, default a tenth of the run) against the RSS at the end of the warm-up, within
20% or not; frames per second (median, lowest sample); the longest time without a frame (seen at
the samples). Exit status 0 when the RSS stayed within 20% and frames never stopped for longer than
two actions apart (a setting whose loss diverges pauses until the next action rebuilds it).
Needs Chromium, chromedriver (``/usr/bin/chromium``, ``/usr/bin/chromedriver``) and selenium.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1400,1500"]
ACTIONS = [  # a learner's afternoon, through the page's controls (kind, element id, value)
    ("select", "dataset", "xor"), ("select", "activation", "relu"), ("select", "init", "he"),
    ("width", 0, "32"), ("click", "add-layer"), ("select", "optimizer", "momentum"),
    ("select", "lr", "0.03"), ("click", "reset"), ("select", "dataset", "circles"),
    ("click", "batchnorm"), ("select", "dropout", "0.1"), ("click", "regenerate"),
    ("select", "activation", "sigmoid"), ("select", "init", "normal:1"), ("click", "add-layer"),
    ("click", "add-layer"), ("select", "optimizer", "sgd"), ("select", "lr", "0.3"),
    ("select", "dataset", "gaussians"), ("click", "batchnorm"), ("select", "dropout", "0"),
    ("click", "remove-layer"), ("click", "remove-layer"), ("click", "remove-layer"),
    ("select", "dataset", "spiral"), ("select", "activation", "tanh"), ("select", "init", "xavier"),
    ("width", 0, "16"), ("select", "optimizer", "adam"), ("select", "lr", "0.01"), ("click", "reset"),
]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def start_server() -> tuple[subprocess.Popen, str]:
    src = Path(__file__).resolve().parents[1] / "src"
    path = os.pathsep.join(filter(None, [str(src), os.environ.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "scratchdl", "playground", "--no-browser", "--port", "0"]
    env = {**os.environ, "PYTHONPATH": path}
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    url = server.stdout.readline().split(": ", 1)[1].strip()
    return server, url


def start_browser(profile: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)


def act(driver, action) -> None:
    """One learner's action through the page's controls, then play again."""
    from selenium.webdriver.support.ui import Select

    kind, target, *value = action
    if kind == "select":
        Select(driver.find_element("id", target)).select_by_value(value[0])
    elif kind == "click":
        driver.find_element("id", target).click()
    elif kind == "width":
        field = driver.find_element("id", f"width-{target}")
        field.clear()
        field.send_keys(value[0])
        driver.execute_script("arguments[0].dispatchEvent(new Event('change'));", field)
    time.sleep(0.3)
    driver.find_element("id", "play").click()


def summarize(samples: list[dict], warmup_seconds: float) -> dict:
    after = [s for s in samples if s["seconds"] >= warmup_seconds]
    warm = [s for s in samples if warmup_seconds - 60 <= s["seconds"] < warmup_seconds] or samples[:1]
    reference = statistics.median(s["rss_mib"] for s in warm)
    rates = [(b["frames"] - a["frames"]) / (b["seconds"] - a["seconds"])
             for a, b in zip(samples, samples[1:], strict=False)]
    rss = [s["rss_mib"] for s in after] or [reference]
    return {"reference_rss_mib": round(reference, 1), "min_rss_mib": round(min(rss), 1),
            "max_rss_mib": round(max(rss), 1), "final_rss_mib": round(samples[-1]["rss_mib"], 1),
            "within_20_percent": all(abs(r - reference) <= 0.2 * reference for r in rss),
            "frames": samples[-1]["frames"], "median_fps": round(statistics.median(rates), 2) if rates else 0,
            "lowest_fps": round(min(rates), 2) if rates else 0,
            "longest_gap_s": round(max((s["since_frame_s"] for s in samples), default=0), 1),
            "epochs": samples[-1]["epochs_total"]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--warmup-minutes", type=float, help="default: a tenth of --minutes")
    parser.add_argument("--sample-seconds", type=float, default=5.0)
    parser.add_argument("--act-seconds", type=float, default=10.0)
    parser.add_argument("--json", help="write the samples and the summary here")
    args = parser.parse_args(argv)
    warmup = 60 * (args.warmup_minutes if args.warmup_minutes is not None else args.minutes / 10)
    server, url = start_server()
    samples, epochs_total, last_epoch = [], 0, 0
    try:
        with tempfile.TemporaryDirectory() as profile:
            driver = start_browser(profile)
            try:
                driver.get(url)
                time.sleep(2)
                driver.find_element("id", "play").click()
                started = last_act = time.monotonic()
                last_frames, last_frame_at, step = 0, started, 0
                while (now := time.monotonic()) - started < 60 * args.minutes:
                    if now - last_act >= args.act_seconds:
                        act(driver, ACTIONS[step % len(ACTIONS)])
                        step, last_act = step + 1, time.monotonic()
                    frames, epoch = driver.execute_script(
                        "return [state.framesReceived, Number(document.getElementById('epoch').textContent)];"
                    )
                    now = time.monotonic()
                    if frames != last_frames:
                        last_frames, last_frame_at = frames, now
                    epochs_total += epoch - last_epoch if epoch >= last_epoch else epoch
                    last_epoch = epoch
                    samples.append({"seconds": round(now - started, 2),
                                    "rss_mib": round(rss_mib(server.pid), 2), "frames": frames,
                                    "epoch": epoch, "epochs_total": epochs_total,
                                    "since_frame_s": round(now - last_frame_at, 2), "actions": step})
                    time.sleep(args.sample_seconds)
            finally:
                driver.quit()
    finally:
        server.send_signal(signal.SIGINT)  # Ctrl-C, as a learner ends it
        stopped = server.wait(timeout=30)
    summary = summarize(samples, warmup)
    print(f"{args.minutes:g} min, {len(samples)} samples, {samples[-1]['actions']} actions, "
          f"{summary['epochs']} epochs trained, {summary['frames']} frames received")
    print(f"server RSS: {summary['reference_rss_mib']} MiB at the end of the {warmup / 60:g}-min warm-up; "
          f"after it {summary['min_rss_mib']}-{summary['max_rss_mib']} MiB, "
          f"final {summary['final_rss_mib']} MiB: "
          f"{'within' if summary['within_20_percent'] else 'NOT within'} 20%")
    print(f"frames: median {summary['median_fps']}/s, lowest {summary['lowest_fps']}/s over a "
          f"{args.sample_seconds:g}-s sample; longest without a frame {summary['longest_gap_s']} s")
    if args.json:
        Path(args.json).write_text(json.dumps({"summary": summary, "samples": samples}, indent=1))
    print(f"server after Ctrl-C: exit status {stopped}")
    frames_arrived = summary["longest_gap_s"] <= 2 * args.act_seconds
    if not frames_arrived:
        print(f"frames stopped for {summary['longest_gap_s']} s (more than two actions apart)")
    return 0 if summary["within_20_percent"] and frames_arrived and stopped == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
