"""Which array library an array lives in, the default dtype, and the random generator.

Every compute path asks ``get_array_module(x)`` for ``xp`` and builds its arrays with
``xp``: NumPy for arrays in host memory, CuPy for arrays on a GPU. This is the only module
that knows CuPy exists, so GPU support is a backend, not a second code path.
"""

from __future__ import annotations

import numpy as np

_default_dtype = np.dtype(np.float32)
_rng = np.random.default_rng()


def get_array_module(x):
    """NumPy or CuPy, whichever ``x`` belongs to (NumPy for anything that is not a CuPy array)."""
    if type(x).__module__.split(".")[0] == "cupy":
        import cupy

        return cupy
    return np


def to_numpy(x) -> np.ndarray:
    """A host (NumPy) copy of ``x``, or ``x`` itself when it already is one."""
    if type(x).__module__.split(".")[0] == "cupy":
        return x.get()
    return np.asarray(x)


def to_device(x, device: str):
    """``x`` moved to ``"cpu"`` (NumPy) or ``"cuda"`` (CuPy)."""
    if device == "cpu":
        return to_numpy(x)
    if device in ("cuda", "gpu"):
        import cupy

        return cupy.asarray(x)
    from .errors import ConfigError

    raise ConfigError(f"device: expected 'cpu' or 'cuda', got {device!r}")


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
