r"""How convolution and pooling are carried out on a device: one place for every strategy.

A layer's file (``nn/conv.py``, ``nn/pool.py``) holds its math: the docstring formulas, the input
checks, and a forward and backward that ask a *strategy* for the work::

    k = kernels.for_array(x)                     # picked by the array's library
    y, cache = k.conv2d_forward(x, W, b, stride, padding, input_grad)
    ...
    dx, dW, db = k.conv2d_backward(dout, cache, W, has_bias, stride, padding, input_grad)

A strategy is any object (here: a module) with these functions, all on arrays of one library:

- ``conv2d_forward(x, weight, bias, stride, padding, input_grad) -> (y, cache)``;
  ``conv2d_backward(dout, cache, weight, has_bias, stride, padding, input_grad) -> (dx, dW, db)``,
  ``dx`` None when ``input_grad`` is False, ``db`` None without bias. The layer adds dW, db to
  its gradients.
- ``max_pool2d_forward(x, kernel, stride, padding) -> (y, cache)``,
  ``max_pool2d_backward(dout, cache, kernel, stride, padding) -> dx``, and the same for
  ``avg_pool2d_*`` (zero padding counted in the mean).

The strategies:

- ``reference``: the course's im2col: one patch matrix ``col`` (C·kh·kw, N·oh·ow) for the whole
  batch, kept for backward; pooling by im2col of each channel and ``max``/``mean`` over its
  rows. Plain and slow; everything else is tested against it.
- ``cpu`` (NumPy's default): blocks of a few samples whose patch matrix stays in cache, spread over
  the cores (``nn/blocks.py``), the contiguous flat layout for stride-1 layers, and pooling as
  kh·kw strided elementwise passes per block.
- ``batch`` (CuPy's default, the GPU strategy): the whole batch at once, one matrix product
  (cuBLAS) per layer and pass, im2col / col2im / pooling each a single kernel (``cuda.py``:
  CuPy ``ElementwiseKernel``\ s, one thread per output element, gathering instead of scattering
  so no atomics are needed and sums come out in a fixed order). No value is read back to the
  host inside a step. Forced on NumPy arrays, the same functions run NumPy strided-view
  equivalents of those kernels, which is how CI (no GPU) tests their arithmetic; the tests also
  compile the CUDA kernel bodies as C and run them on the CPU (``tests/nn/kernels``).

``for_array(x)`` returns ``cpu`` for NumPy arrays and ``batch`` for CuPy arrays, unless a strategy
is forced: ``with kernels.use("batch"): ...`` or the environment variable ``SCRATCHDL_KERNELS``
(``reference``, ``cpu`` or ``batch``; the context manager wins). ``register(name, strategy)`` adds
one (an algorithm for some shapes, such as Winograd for 3x3 stride-1 convolutions, is a strategy
whose functions handle their shapes and hand the others to ``cpu``'s). The layer keeps the
strategy that ran its forward in its cache, so backward always matches forward.
"""

from __future__ import annotations

import contextlib
import os

import numpy as np

from ...backend import get_array_module
from ...errors import unknown_name
from . import batch, cpu, reference

ENV_VAR = "SCRATCHDL_KERNELS"

STRATEGIES = {"reference": reference, "cpu": cpu, "batch": batch}

_forced: list = []          # the strategies of the ``use`` blocks we are in, innermost last


def get(name: str, kind: str = "kernel strategy"):
    """The strategy registered under ``name``; a ConfigError listing the valid names otherwise."""
    try:
        return STRATEGIES[name]
    except KeyError:
        raise unknown_name(kind, name, STRATEGIES) from None


def register(name: str, strategy) -> None:
    """Make ``strategy`` (an object with the functions listed above) available as ``name``."""
    STRATEGIES[name] = strategy


def for_array(x):
    """The strategy for work on ``x``: the forced one if any, else by ``x``'s array library."""
    if _forced:
        return _forced[-1]
    name = os.environ.get(ENV_VAR)
    if name:
        return get(name, f"kernel strategy in {ENV_VAR}")
    return cpu if get_array_module(x) is np else batch


@contextlib.contextmanager
def use(name: str):
    """Run the block with strategy ``name`` for every array (``with kernels.use("batch"): ...``)."""
    _forced.append(get(name))
    try:
        yield _forced[-1]
    finally:
        _forced.pop()
