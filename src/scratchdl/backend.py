"""Which array library an array lives in, the default dtype, and the random generator.

Every compute path asks ``get_array_module(x)`` for ``xp`` and builds its arrays with
``xp``: NumPy for arrays in host memory, CuPy for arrays on a GPU. This is the only module
that knows CuPy exists, so GPU support is a backend, not a second code path.
"""

from __future__ import annotations

import numpy as np

_default_dtype = np.dtype(np.float32)
_rng = np.random.default_rng()


def _is_cupy_array(x) -> bool:
    """Whether ``x`` is a CuPy array, by its type alone (no CuPy import)."""
    return type(x) is not np.ndarray and type(x).__module__.split(".")[0] == "cupy"


def get_array_module(x):
    """NumPy or CuPy, whichever ``x`` belongs to (NumPy for anything that is not a CuPy array)."""
    if type(x) is np.ndarray:           # the common case, without a call (layers ask at every step)
        return np
    if _is_cupy_array(x):
        import cupy

        return cupy
    return np


def to_numpy(x) -> np.ndarray:
    """A host (NumPy) copy of ``x``, or ``x`` itself when it already is one."""
    if _is_cupy_array(x):
        return x.get()
    return np.asarray(x)


DEVICES = ("cpu", "cuda")


def device_of(x) -> str:
    """``"cuda"`` for a CuPy array, ``"cpu"`` for anything else (NumPy arrays, scalars, lists).

    Only the array's type is looked at: no CuPy import, no host synchronisation.
    """
    return "cuda" if _is_cupy_array(x) else "cpu"


def check_device(name: str) -> str:
    """``name`` if arrays can be placed there, else a ``DeviceError`` (or, for a name that is
    not a device, a ``ConfigError``) whose one line says what is missing and how to fix it."""
    if name not in DEVICES:
        from .errors import unknown_name

        raise unknown_name("device", name, DEVICES)
    if name == "cpu":
        return name
    from .errors import DeviceError

    try:
        import cupy
    except ModuleNotFoundError as e:
        if e.name not in (None, "cupy"):  # CuPy is there but one of its own imports is missing
            raise DeviceError(f"device 'cuda': CuPy is installed but cannot be imported ({e}); "
                              "reinstall the CuPy wheel that matches your CUDA version") from None
        raise DeviceError("device 'cuda': CuPy is not installed; install it with "
                          "pip install cupy-cuda12x (cupy-cuda11x or cupy-cuda13x for CUDA 11 or 13; "
                          "nvidia-smi shows the version)") from None
    except ImportError as e:
        raise DeviceError(f"device 'cuda': CuPy is installed but cannot be imported ({e}); "
                          "reinstall the CuPy wheel that matches your CUDA version") from None
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:  # CUDARuntimeError: no driver, no device, driver too old
        raise DeviceError(f"device 'cuda': CuPy is installed but finds no usable GPU ({e}); "
                          "check the GPU and its driver with nvidia-smi") from None
    if count < 1:
        raise DeviceError("device 'cuda': CuPy is installed but finds no GPU; "
                          "check the GPU and its driver with nvidia-smi")
    return name


def to_device(x, device: str):
    """``x`` moved to ``"cpu"`` (NumPy) or ``"cuda"`` (CuPy); ``x`` itself when it is there."""
    if device == "cpu":
        return to_numpy(x)
    if device in ("cuda", "gpu"):
        try:
            import cupy
        except ImportError:
            check_device("cuda")  # raises the DeviceError that says how to install CuPy
            raise
        return cupy.asarray(x)
    from .errors import unknown_name

    raise unknown_name("device", device, DEVICES)


def erf(x):
    """The error function, elementwise, from SciPy or CuPy's SciPy."""
    if get_array_module(x) is np:
        from scipy.special import erf as _erf
    else:
        from cupyx.scipy.special import erf as _erf
    return _erf(x)


def get_default_dtype() -> np.dtype:
    """The floating dtype new parameters and datasets get (float32 unless changed)."""
    return _default_dtype


def set_default_dtype(dtype) -> None:
    """Make ``dtype`` (float32 or float64) the default for new parameters."""
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        from .errors import ConfigError

        raise ConfigError(f"default dtype: expected float32 or float64, got {dtype}")
    _default_dtype = dtype


def resolve_dtype(dtype) -> np.dtype:
    """``dtype`` as a NumPy dtype, or the default dtype when it is None."""
    return _default_dtype if dtype is None else np.dtype(dtype)


def default_rng() -> np.random.Generator:
    """The library-wide generator used when a layer or loader is given none."""
    return _rng


def seed(value: int | None) -> np.random.Generator:
    """Re-seed the library-wide generator; the same seed gives the same run, bit for bit."""
    global _rng
    _rng = np.random.default_rng(value)
    return _rng
