"""scratchdl: deep learning from scratch in NumPy, with the course's formulas, an explicit
backward for every layer, and numbers proven equal to PyTorch's."""

import os

# OpenBLAS's worker threads spin for 2^28 cycles (~0.1 s) after each multi-threaded matrix product,
# holding the cores that the block threads of the convolution and pooling layers need next
# (measured: W3 and W4 train 30-40% slower). 2^20 cycles (< 1 ms) keeps them warm between the
# products of one step. OpenBLAS reads this when NumPy loads it, so it takes effect when scratchdl
# is imported before NumPy (the CLI, or `import scratchdl` first); a value already set wins.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "20")

from . import data, functions, nn, optim  # noqa: E402
from .backend import get_default_dtype, seed, set_default_dtype  # noqa: E402
from .errors import ScratchDLError  # noqa: E402
from .gradcheck import gradcheck  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "ScratchDLError", "data", "functions", "get_default_dtype", "gradcheck", "nn", "optim", "seed",
    "set_default_dtype",
]
