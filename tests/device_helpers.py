"""Which device the tests can use: ``cuda_unavailable()`` says why a GPU test cannot run here (None
when it can); ``Device`` moves arrays and modules to a device and back (see tests/conftest.py)."""

from __future__ import annotations

import functools
import sys
import types

from scratchdl.backend import to_device, to_numpy


@functools.cache
def cuda_unavailable() -> str | None:
    """Why the GPU tests cannot run here, or None when they can."""
    try:
        import cupy
    except ImportError:
        return "CuPy is not installed (pip install cupy-cuda12x)"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
        if count:
            (cupy.zeros(1) + 1).sum().item()      # a kernel runs: the driver and toolkit work
    except Exception as error:                    # CUDA driver or runtime missing or broken
        return f"CuPy cannot use a GPU: {type(error).__name__}: {error}"
    return None if count else "CuPy sees no GPU"


class Device:
    def __init__(self, name: str):
        self.name = name

    def array(self, a):
        return a if self.name == "cpu" else to_device(a, self.name)

    def numpy(self, a):
        return None if a is None else to_numpy(a)

    def module(self, m):
        return m if self.name == "cpu" else m.to(device=self.name)

    def __repr__(self) -> str:
        return self.name


def fake_cupy(monkeypatch, count=None, error=None):
    """Install a module named ``cupy`` whose ``cuda.runtime.getDeviceCount`` returns ``count``
    or raises ``error``."""

    def get_device_count():
        if error is not None:
            raise error
        return count

    module = types.ModuleType("cupy")
    module.cuda = types.SimpleNamespace(runtime=types.SimpleNamespace(getDeviceCount=get_device_count))
    monkeypatch.setitem(sys.modules, "cupy", module)
