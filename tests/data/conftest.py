"""Fixtures of the data tests: a clean environment and no network."""

import pytest


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No SCRATCHDL_DATA_DIR, and a cache under tmp_path; returns the cache root."""
    monkeypatch.delenv("SCRATCHDL_DATA_DIR", raising=False)
    cache = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test if anything tries to open a URL."""
    from scratchdl.data import download

    def refuse(url, timeout):
        raise AssertionError(f"tried to open {url}")

    monkeypatch.setattr(download, "urlopen", refuse)
