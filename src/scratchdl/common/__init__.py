"""The book's ``common/`` package ("Deep Learning from Scratch"), module for module, on scratchdl.

``functions``, ``layers``, ``optimizer``, ``util``, ``gradient``, ``multi_layer_net``,
``multi_layer_net_extend``, ``trainer``; ``simple_convnet`` (the book's ``ch07``) and ``mnist``
(its ``dataset/mnist.py``, ``load_mnist``). The book's names, signatures, defaults and float64
numbers, its quirks kept and named in each docstring, with scratchdl's kernels where the math is
the same. One line at the top of code written for the book's (or the course's) folder::

    import scratchdl.common; scratchdl.common.install()

and ``from common.layers import *``, ``from common.functions import softmax``,
``from dataset.mnist import load_mnist`` find these modules. ``install(functions="course")`` makes
``common.functions`` the course's ``scratchdl.functions`` (``(d, y)``, target first) instead of the
book's ``(y, t)``.
"""

from __future__ import annotations

from .alias import install, uninstall

SUBMODULES = ("functions", "layers", "optimizer", "util", "gradient", "multi_layer_net",
              "multi_layer_net_extend", "trainer", "simple_convnet", "mnist")

__all__ = ["install", "uninstall"]


def __getattr__(name: str):
    """``scratchdl.common.layers`` after a bare ``import scratchdl.common`` (imported on first use)."""
    if name in SUBMODULES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'scratchdl.common' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(SUBMODULES))
