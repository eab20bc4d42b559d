"""The strategies the kernel tests run the layers under, by name.

- ``reference``, ``cpu``, ``batch``: forced with ``kernels.use`` (``batch`` on NumPy arrays runs
  its NumPy equivalents of the GPU kernels);
- ``batch-cuda-as-c``: the ``batch`` strategy taking its GPU path on NumPy arrays, with each CuPy
  kernel of ``kernels/cuda.py`` compiled as C and run on the CPU (``kernel_c_harness``), and
  ``cupy`` standing for NumPy in ``cuda.py``'s wrappers: the GPU code's index arithmetic and the
  wrappers' argument order, checked without a GPU. Skipped when no C compiler is found.
"""

from __future__ import annotations

import contextlib
import sys

import numpy as np
import pytest
from kernel_c_harness import c_kernel, have_compiler

from scratchdl.nn import kernels
from scratchdl.nn.kernels import batch, cuda

NAMES = ["reference", "cpu", "batch", "batch-cuda-as-c"]
GPU_LIKE = ["batch", "batch-cuda-as-c"]


@contextlib.contextmanager
def running(name: str):
    """Every convolution and pooling layer in the block runs strategy ``name``."""
    if name != "batch-cuda-as-c":
        with kernels.use(name):
            yield
        return
    if not have_compiler():
        pytest.skip("no C compiler (gcc) to run the CUDA kernel bodies on the CPU")
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(sys.modules, "cupy", np)
        patch.setattr(batch, "_on_gpu", lambda a: True)
        patch.setattr(cuda, "_kernel", lambda key: c_kernel(cuda.KERNELS[key]))
        with kernels.use("batch"):
            yield
