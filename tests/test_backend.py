"""The backend's device functions: which device an array is on, whether a device can be used
(and a one-line fix when not), moving arrays. CuPy is not needed: its absence is the normal case
here, and its presence without a GPU is played by a stand-in module with CuPy's one function
``check_device`` calls."""

import sys

import numpy as np
import pytest
from device_helpers import fake_cupy

from scratchdl import backend
from scratchdl.errors import ConfigError, DeviceError, ScratchDLError


class FakeCupyArray:
    """Stands for a CuPy array: only its type's module is what ``device_of`` looks at."""

    __module__ = "cupy._core.core"


def no_cupy(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # `import cupy` raises ModuleNotFoundError


def test_device_of_looks_only_at_the_type():
    assert backend.device_of(np.zeros(3, np.float32)) == "cpu"
    assert backend.device_of(np.float32(1.0)) == "cpu"
    assert backend.device_of(2.5) == "cpu"
    assert backend.device_of([1, 2]) == "cpu"
    assert backend.device_of(FakeCupyArray()) == "cuda"


def test_cpu_is_always_usable():
    assert backend.check_device("cpu") == "cpu"


@pytest.mark.parametrize("name", ["tpu", "CUDA", "gpu0", ""])
def test_unknown_device_lists_the_valid_ones(name):
    with pytest.raises(ConfigError, match=rf"unknown device {name!r}; valid: cpu, cuda"):
        backend.check_device(name)


def test_cuda_without_cupy_says_how_to_install_it(monkeypatch):
    no_cupy(monkeypatch)
    with pytest.raises(DeviceError) as info:
        backend.check_device("cuda")
    message = str(info.value)
    assert "\n" not in message
    assert "CuPy is not installed" in message
    assert "pip install cupy-cuda12x" in message and "cupy-cuda11x" in message and "cupy-cuda13x" in message


def test_cupy_that_cannot_be_imported_is_not_called_missing(monkeypatch):
    class Broken:
        def find_spec(self, name, path=None, target=None):
            if name == "cupy":
                raise ImportError("libcudart.so.12: cannot open shared object file")
            return None

    monkeypatch.delitem(sys.modules, "cupy", raising=False)
    monkeypatch.setattr(sys, "meta_path", [Broken(), *sys.meta_path])
    with pytest.raises(DeviceError, match=r"CuPy is installed but cannot be imported \(libcudart"):
        backend.check_device("cuda")


@pytest.mark.parametrize("count, error", [(0, None), (None, RuntimeError("cudaErrorNoDevice"))])
def test_cupy_without_a_gpu_says_check_nvidia_smi(monkeypatch, count, error):
    fake_cupy(monkeypatch, count=count, error=error)
    with pytest.raises(DeviceError) as info:
        backend.check_device("cuda")
    message = str(info.value)
    assert "\n" not in message
    assert "CuPy is installed but finds no" in message and "nvidia-smi" in message
    if error is not None:
        assert "cudaErrorNoDevice" in message


def test_cupy_with_a_gpu_is_usable(monkeypatch):
    fake_cupy(monkeypatch, count=1)
    assert backend.check_device("cuda") == "cuda"


def test_device_error_is_a_scratchdl_error():
    assert issubclass(DeviceError, ScratchDLError) and issubclass(DeviceError, RuntimeError)


def test_to_device_cpu_keeps_a_numpy_array_and_copies_nothing():
    x = np.arange(6, dtype=np.float32)
    assert backend.to_device(x, "cpu") is x
    assert isinstance(backend.to_device([1.0, 2.0], "cpu"), np.ndarray)
    assert backend.to_numpy(x) is x


def test_to_device_cuda_without_cupy_and_unknown_device(monkeypatch):
    with pytest.raises(ConfigError, match="unknown device 'tpu'; valid: cpu, cuda"):
        backend.to_device(np.zeros(2), "tpu")
    no_cupy(monkeypatch)
    with pytest.raises(DeviceError, match="CuPy is not installed"):
        backend.to_device(np.zeros(2), "cuda")
