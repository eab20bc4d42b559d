"""The ``device`` fixture: a test that takes it runs once on the CPU (NumPy) and once on a GPU (CuPy),
the GPU run skipped with the reason when CuPy is not installed or sees no usable GPU.

``device.array(a)`` moves a NumPy array to the device, ``device.numpy(a)`` brings one back (None
stays None), ``device.module(m)`` moves a module's parameters and buffers. The GPU runs carry the
``cuda`` marker: ``pytest -m cuda`` selects them (``benchmarks/gpu_check.sh``).
"""

from __future__ import annotations

import os

import pytest
from device_helpers import Device, cuda_unavailable

# Commands print English unless a test asks for --lang ja: a Japanese locale or SCRATCHDL_LANG on the
# machine that runs the tests must not change what they read (subprocesses inherit this too).
os.environ["SCRATCHDL_LANG"] = "en"


def pytest_configure(config):
    config.addinivalue_line("markers", "cuda: runs on a GPU through CuPy (skipped without one)")
    config.addinivalue_line(
        "markers", "slow: takes seconds; left out of plain `pytest`, run by `pytest -m slow` and .ci/run"
    )


@pytest.fixture(scope="session", params=["cpu", pytest.param("cuda", marks=pytest.mark.cuda)])
def device(request):
    """The device a test runs on: ``cpu``, or ``cuda`` when a GPU is usable (skipped otherwise)."""
    if request.param == "cuda" and (reason := cuda_unavailable()):
        pytest.skip(reason)
    return Device(request.param)
