"""pytest plugin for the mutation pass (``-p subprocess_hits``): the functions that a test's
subprocesses called (written by ``sitecustomize.py``) are counted as called by that test, so
mutmut runs the MPI and CLI tests against their mutants instead of marking them "no tests"."""

import json
import os
import tempfile
from pathlib import Path

import pytest


def pytest_configure(config):
    if "SCRATCHDL_MUTATION_HITS" not in os.environ:
        os.environ["SCRATCHDL_MUTATION_HITS"] = tempfile.mkdtemp(prefix="scratchdl-mutation-hits-")


@pytest.hookimpl(tryfirst=True)  # before mutmut's own teardown hook reads the hits of the test
def pytest_runtest_teardown(item, nextitem):
    if os.environ.get("MUTANT_UNDER_TEST") != "stats":
        return
    from mutmut.state import state

    for path in Path(os.environ["SCRATCHDL_MUTATION_HITS"]).glob("*.json"):
        state()._stats.update(json.loads(path.read_text()))
        path.unlink()


def pytest_collection_modifyitems(items):
    """A mutant's tests run fastest first (their times from mutmut's first pass): mutmut stops at the
    first failure (``-x``), so a mutant that a quick test kills is not run through the MPI tests first."""
    if "__mutmut_" not in os.environ.get("MUTANT_UNDER_TEST", ""):
        return
    try:
        durations = json.loads(Path("mutmut-stats.json").read_text())["duration_by_test"]
    except (OSError, ValueError, KeyError):
        return
    items.sort(key=lambda item: durations.get(item.nodeid, float("inf")))
