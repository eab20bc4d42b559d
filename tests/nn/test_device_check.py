"""A layer given an array on another device than its parameters raises a ``DeviceError`` naming
the layer and both devices (CuPy would raise a bare TypeError deep inside). Without a GPU, the
foreign array is a stand-in whose type says "cupy": the check looks only at that."""

import re

import numpy as np
import pytest

from scratchdl import nn
from scratchdl.errors import DeviceError
from scratchdl.models import SimpleConvNet


class FakeCupyArray:
    """Has what the checks before the device check read (shape, ndim, dtype)."""

    __module__ = "cupy._core.core"

    def __init__(self, *shape):
        self.shape, self.ndim, self.dtype = shape, len(shape), np.dtype(np.float32)


def test_linear_names_itself_and_both_devices():
    with pytest.raises(DeviceError) as info:
        nn.Linear(3, 5)(FakeCupyArray(2, 3))
    message = str(info.value)
    assert message.startswith("Linear(3, 5): expected an input on cpu")
    assert "got one on cuda" in message
    assert "to_device(x, 'cpu')" in message and "model.to(device='cuda')" in message


def test_the_device_is_checked_before_shape_and_dtype():
    with pytest.raises(DeviceError, match=re.escape("Linear(3, 5)")):
        nn.Linear(3, 5)(FakeCupyArray(2, 7))


@pytest.mark.parametrize("layer, shape", [
    (nn.Conv2d(1, 4, 3), (2, 1, 8, 8)),
    (nn.BatchNorm1d(4), (2, 4)),
    (nn.BatchNorm2d(4), (2, 4, 3, 3)),
])
def test_layers_with_parameters_check_the_device(layer, shape):
    with pytest.raises(DeviceError, match=re.escape(layer.name()) + ".*on cpu.*on cuda"):
        layer(FakeCupyArray(*shape))


def test_a_model_names_its_first_layer():
    with pytest.raises(DeviceError, match=re.escape("Linear(6, 4): expected an input on cpu")):
        nn.Sequential(nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, 2))(FakeCupyArray(3, 6))
    with pytest.raises(DeviceError, match=r"^Conv2d\("):
        SimpleConvNet((1, 8, 8), 10)(FakeCupyArray(2, 1, 8, 8))


def test_same_device_passes():
    x = np.ones((2, 3), np.float32)
    assert nn.Linear(3, 5)(x).shape == (2, 5)


def test_check_compares_the_devices_backend_reports(monkeypatch):
    """The layer asks ``backend.device_of``: a NumPy input it calls foreign is refused."""
    from scratchdl import backend

    real = backend.device_of
    x = np.ones((2, 3), np.float32)
    monkeypatch.setattr(backend, "device_of", lambda a: "cuda" if a is x else real(a))
    with pytest.raises(DeviceError, match=re.escape("Linear(3, 5): expected an input on cpu")):
        nn.Linear(3, 5)(x)
