"""scratchdl: deep learning from scratch in NumPy, with the course's formulas, an explicit
backward for every layer, and numbers proven equal to PyTorch's."""

from . import data, functions, nn, optim  # noqa: E402
from .backend import get_default_dtype, seed, set_default_dtype  # noqa: E402
from .errors import ScratchDLError  # noqa: E402
from .gradcheck import gradcheck  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "ScratchDLError", "data", "functions", "get_default_dtype", "gradcheck", "nn", "optim", "seed",
    "set_default_dtype",
]
