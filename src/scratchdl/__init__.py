"""scratchdl: deep learning from scratch in NumPy, with the course's formulas, an explicit
backward for every layer, and numbers proven equal to PyTorch's."""

# No BLAS environment variable is set here: the layers hold BLAS to one thread around their own
# products at run time and bring their own threads (``nn.blocks``), whatever the import order.
from . import data, functions, nn, optim
from .backend import get_default_dtype, seed, set_default_dtype
from .errors import ScratchDLError
from .gradcheck import gradcheck

__version__ = "0.1.0"

__all__ = [
    "ScratchDLError", "data", "functions", "get_default_dtype", "gradcheck", "nn", "optim", "seed",
    "set_default_dtype",
]
