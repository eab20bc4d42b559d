"""Fixtures of the scratchdl.common tests: ``install()`` undone after each test that uses it."""

import pytest

import scratchdl.common


@pytest.fixture
def installed():
    """``scratchdl.common.install`` for the test, ``uninstall()`` after it."""
    yield scratchdl.common.install
    scratchdl.common.uninstall()
