"""Headless Debian Chromium driven by Selenium through an explicit chromedriver (nothing is downloaded).

``unavailable()`` says why the browser tests cannot run here (None when they can); ``chromium(profile)``
starts a browser with a fresh profile folder and the performance log on, so a test can list every
request the page made (``requests(driver)``).
"""

from __future__ import annotations

import json
from pathlib import Path

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1400,1500"]


def unavailable() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not Path(path).exists():
            return f"{path} is absent (Debian: apt-get install {package})"
    return None


def chromium(profile: Path):
    """A headless Chromium with a fresh ``--user-data-dir`` (``profile``) and the performance log."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    requests(driver)  # the log so far: the browser's own new-tab page
    return driver


def requests(driver) -> list[str]:
    """Every URL the browser asked for since the last call (Chrome's DevTools network events),
    ``chrome://``, ``data:`` and ``blob:`` ones (inside the browser) left out."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] in ("Network.requestWillBeSent", "Network.webSocketCreated"):
            urls.append(message["params"].get("request", {}).get("url") or message["params"].get("url"))
    return [url for url in urls if not url.startswith(("chrome://", "chrome-untrusted://", "data:", "blob:",
                                                        "about:"))]
