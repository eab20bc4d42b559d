"""The strategies the kernel tests run the layers under, by name.

- ``reference``, ``cpu``, ``batch``: forced with ``kernels.use`` (``batch`` on NumPy arrays runs
  its NumPy equivalents of the GPU kernels);
- ``batch-cuda-as-c``: the ``batch`` strategy taking its GPU path on NumPy arrays, with each CuPy
  kernel of ``kernels/cuda.py`` compiled as C and run on the CPU (``kernel_c_harness``), and
  ``cupy`` standing for NumPy in ``cuda.py``'s wrappers: the GPU code's index arithmetic and the
  wrappers' argument order, checked without a GPU. Skipped when no C compiler is found;
- ``cuda``: the layer and its arrays on a GPU (CuPy), where ``batch`` is the default strategy and
  ``cuda.py``'s kernels really run. Skipped, with the reason, without a usable GPU.

``placed(name, layer, *arrays)`` puts the layer and arrays where strategy ``name`` runs them.
"""

from __future__ import annotations

import contextlib
import sys

import numpy as np
import pytest
from device_helpers import cuda_unavailable
from kernel_c_harness import c_kernel, have_compiler

from scratchdl.backend import to_device
from scratchdl.nn import kernels
from scratchdl.nn.kernels import batch, cuda

ON_GPU = pytest.param("cuda", marks=pytest.mark.cuda)
NAMES = ["reference", "cpu", "batch", "batch-cuda-as-c", ON_GPU]
GPU_LIKE = ["batch", "batch-cuda-as-c", ON_GPU]


def placed(name, layer, *arrays):
    """``layer`` and ``arrays`` moved to the GPU for ``cuda``, as they are otherwise."""
    if name != "cuda":
        return (layer, *arrays)
    return (layer.to(device="cuda"), *(to_device(a, "cuda") for a in arrays))


@contextlib.contextmanager
def running(name: str):
    """Every convolution and pooling layer in the block runs strategy ``name``."""
    if name == "cuda":
        if reason := cuda_unavailable():
            pytest.skip(reason)
        yield                                   # CuPy arrays get the batch strategy by default
        return
    if name != "batch-cuda-as-c":
        with kernels.use(name):
            yield
        return
    if not have_compiler():
        pytest.skip("no C compiler (gcc) to run the CUDA kernel bodies on the CPU")
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(sys.modules, "cupy", np)
        patch.setattr(batch, "_on_gpu", lambda a: True)
        patch.setattr(cuda, "_kernel", lambda key, index: c_kernel(cuda.KERNELS[key], index))
        with kernels.use("batch"):
            yield
