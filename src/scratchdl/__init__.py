"""scratchdl: deep learning from scratch in NumPy, with the course's formulas, an explicit
backward for every layer, and numbers proven equal to PyTorch's.

``import scratchdl`` loads only NumPy; each subpackage (``scratchdl.nn``, ``data``, ``optim``,
``models``, ``train``, ``checkpoint``, ``interop``, ``functions``, ``experiments``, ...) is
imported the first time it is used, so ``scratchdl.checkpoint.load(...)`` works right after
``import scratchdl`` and the command line starts quickly.
"""

from .backend import get_default_dtype, seed, set_default_dtype
from .errors import ScratchDLError

__version__ = "0.1.0"

# The public subpackages, imported on first use (PEP 562). Any other submodule (a new one such as
# ``export``) is reachable the same way; list it here to show it in ``dir(scratchdl)``.
SUBPACKAGES = (
    "autograd", "backend", "checkpoint", "common", "data", "distributed", "errors", "experiments", "export",
    "functions", "gradcheck", "interop", "models", "nn", "optim", "playground", "train",
)


def __getattr__(name: str):
    import importlib

    if name.startswith("_"):
        raise AttributeError(f"module 'scratchdl' has no attribute {name!r}")
    try:
        module = importlib.import_module(f".{name}", __name__)
    except ModuleNotFoundError as e:
        if e.name != f"{__name__}.{name}":
            raise  # the submodule exists but something it imports is missing
        raise AttributeError(f"module 'scratchdl' has no attribute {name!r}") from None
    # ``scratchdl.gradcheck`` is the module, callable as its function: scratchdl.gradcheck(layer, x).
    return module


def __dir__():
    return sorted(set(globals()) | set(SUBPACKAGES))


__all__ = [
    "ScratchDLError", "get_default_dtype", "seed", "set_default_dtype", *SUBPACKAGES,
]
