"""The optimizer's state ends where the model is, whichever of them moved: a model moved to the GPU by
hand before ``fit`` (its optimizer's moments restored on the host), with ``device`` named or not, and
a model moved back to the host with moments on the GPU.

Without a GPU, a stand-in ``cupy`` module holds "device" arrays: NumPy arrays of a subclass whose
type says CuPy (``backend.device_of`` gives ``"cuda"``), computed by NumPy. An operation between a
host moment and a device gradient, in place on the moment, leaves a host array: on a real GPU that
step would raise; here the test sees the moment still on the host.
"""

import sys
import types

import numpy as np
import pytest

import scratchdl
from scratchdl import checkpoint, data, nn, optim
from scratchdl.backend import device_of
from scratchdl.models import MLP
from scratchdl.train import Checkpointing, fit, history


class DeviceArray(np.ndarray):
    """An array "on the GPU": CuPy's by its type's module, NumPy's by its arithmetic."""

    def get(self):
        return self.view(np.ndarray).copy()


DeviceArray.__module__ = "cupy"


def on_device(value):
    if type(value) is np.ndarray:
        return value.view(DeviceArray)
    return tuple(on_device(v) for v in value) if isinstance(value, tuple) else value


def numpy_on_the_device(name):
    """``cupy.NAME``: NumPy's, with the arrays it returns made device arrays."""
    function = getattr(np, name)
    if not callable(function) or isinstance(function, type):
        return function
    return lambda *args, **kwargs: on_device(function(*args, **kwargs))


@pytest.fixture
def stand_in_gpu(monkeypatch):
    module = types.ModuleType("cupy")
    module.asarray = lambda a, dtype=None: np.array(a, dtype=dtype).view(DeviceArray)
    module.cuda = types.SimpleNamespace(runtime=types.SimpleNamespace(getDeviceCount=lambda: 1))
    module.__getattr__ = numpy_on_the_device  # everything else: NumPy's, results on the "device"
    monkeypatch.setitem(sys.modules, "cupy", module)
    monkeypatch.setattr(history.History, "save_curves", lambda self, folder: None)  # no drawing needed


def where(optimizer) -> set[str]:
    return {device_of(a) for s in optimizer.state for a in s.values()}


def spiral():
    return data.load_splits("spiral", seed=0)


def trained_checkpoint(folder):
    """A run of one epoch with Adam, saved: its moments come back on the host."""
    scratchdl.seed(0)
    model = MLP([2, 16, 3])
    opt = optim.Adam(model.parameters(), lr=0.01)
    fit(model, nn.CrossEntropyLoss(), opt, spiral()[0], epochs=1, progress=False,
        callbacks=[Checkpointing(folder, {"model": {"name": "mlp", "config": model.config}})])
    ckpt = checkpoint.load(folder)
    model = checkpoint.build_model(ckpt.meta)
    opt = optim.Adam(model.parameters(), lr=0.01)
    checkpoint.restore(ckpt, model, opt)
    assert where(opt) == {"cpu"}
    return model, opt


def reference_weights(folder):
    """The same continuation on the host: the stand-in device computes exactly what NumPy does."""
    model, opt = trained_checkpoint(folder)
    fit(model, nn.CrossEntropyLoss(), opt, spiral()[0], epochs=1, progress=False, seed=1)
    return {k: np.array(v) for k, v in model.state_dict().items()}


@pytest.mark.parametrize("device", [None, "cuda"])
def test_a_model_moved_to_the_gpu_by_hand_takes_its_optimizer_along(stand_in_gpu, tmp_path, device):
    expected = reference_weights(tmp_path / "ref")
    model, opt = trained_checkpoint(tmp_path / "run")
    model.to(device="cuda")  # by hand, before fit; the moments stay on the host
    assert {device_of(p.data) for p in model.parameters()} == {"cuda"} and where(opt) == {"cpu"}
    fit(model, nn.CrossEntropyLoss(), opt, spiral()[0], epochs=1, progress=False, seed=1, device=device)
    assert where(opt) == {"cuda"}
    assert {device_of(p.data) for p in model.parameters()} == {"cuda"}
    for name, array in model.state_dict().items():
        np.testing.assert_array_equal(array.get(), expected[name], err_msg=name)


def test_a_model_moved_back_to_the_host_takes_its_optimizer_along(stand_in_gpu, tmp_path):
    model, opt = trained_checkpoint(tmp_path / "run")
    model.to(device="cuda")
    opt.to("cuda")
    model.to(device="cpu")  # by hand: the moments are still on the GPU
    fit(model, nn.CrossEntropyLoss(), opt, spiral()[0], epochs=1, progress=False, seed=1)
    assert where(opt) == {"cpu"}
    assert all(type(a) is np.ndarray for s in opt.state for a in s.values())
