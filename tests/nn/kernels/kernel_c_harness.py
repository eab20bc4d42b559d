"""Run the CUDA kernel bodies of ``scratchdl.nn.kernels.cuda`` on the CPU, compiled as C.

Each ``KernelSource`` body is plain C. Wrapped in ``for (i = 0; i < n; ++i) { body }`` the way
CuPy's ``ElementwiseKernel`` runs it once per output element, with its parameters declared as
CuPy declares them (``raw T a``: an array indexed by flat position; ``int32 h``: an int;
``T s``: a scalar of the array type; a non-raw output ``T out``: the element ``out[i]``), it
computes what the GPU would. ``c_kernel(source, index)`` compiles it (gcc, cached
per process) and returns a callable with CuPy's calling convention: inputs in order, then the
output arrays, which it fills.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

C_TYPES = {np.dtype(np.float32): ("float", ctypes.c_float), np.dtype(np.float64): ("double", ctypes.c_double),
           np.dtype(np.uint8): ("unsigned char", ctypes.c_ubyte), np.dtype(np.int32): ("int", ctypes.c_int)}

_build_dir = Path(tempfile.mkdtemp(prefix="scratchdl-c-kernels-"))


def have_compiler() -> bool:
    return shutil.which("gcc") is not None


def _params(text):
    """``[(raw, type, name), ...]`` of a CuPy parameter list."""
    out = []
    for item in text.split(","):
        words = item.split()
        raw = words[0] == "raw"
        out.append((raw, words[-2], words[-1]))
    return out


class CKernel:
    def __init__(self, source, dtype, arg_dtype, index):
        types = {"T": np.dtype(dtype), "S": np.dtype(arg_dtype)}
        self.inputs, self.outputs = _params(source.in_params), _params(source.out_params)
        declared, argtypes, macros = [], [ctypes.c_longlong], []
        for raw, kind, name in self.inputs:
            if kind == "int32":
                declared.append(f"int {name}")
                argtypes.append(ctypes.c_int)
            elif raw:
                declared.append(f"const {C_TYPES[types[kind]][0]}* {name}")
                argtypes.append(ctypes.c_void_p)
            else:
                declared.append(f"{C_TYPES[types[kind]][0]} {name}")
                argtypes.append(C_TYPES[types[kind]][1])
        for raw, kind, name in self.outputs:
            assert not raw, "the harness supports element outputs only"
            declared.append(f"{C_TYPES[types[kind]][0]}* {name}_out_")
            argtypes.append(ctypes.c_void_p)
            macros.append(name)
        typedefs = "".join(f"typedef {C_TYPES[t][0]} {k};\n" for k, t in types.items())
        defines = "".join(f"#define {m} ({m}_out_[i])\n" for m in macros)
        typedefs += f"typedef {index} idx_t;\n"
        code = (f"#include <math.h>\n{typedefs}void kernel(long long n_, {', '.join(declared)}) {{\n"
                f"{defines}for (long long i = 0; i < n_; ++i) {{\n{source.body}\n}}\n}}\n")
        self.types, self.function = types, _compile(code)
        self.function.argtypes = argtypes
        self.function.restype = None

    def __call__(self, *args):
        inputs, outputs = args[:len(self.inputs)], args[len(self.inputs):]
        assert len(outputs) == len(self.outputs)
        keep, values = [], [ctypes.c_longlong(outputs[0].size)]
        for (raw, kind, _), value in zip(self.inputs, inputs, strict=True):
            if raw:
                array = np.ascontiguousarray(value)
                assert array.dtype == self.types[kind], (array.dtype, kind)
                keep.append(array)
                values.append(array.ctypes.data)
            else:
                values.append(value)
        for (_, kind, _), array in zip(self.outputs, outputs, strict=True):
            assert array.flags.c_contiguous and array.dtype == self.types[kind]
            values.append(array.ctypes.data)
        self.function(*values)


@functools.cache
def _compile(code: str):
    digest = hashlib.sha1(code.encode()).hexdigest()[:16]
    c_file, library = _build_dir / f"k{digest}.c", _build_dir / f"k{digest}.so"
    c_file.write_text(code)
    subprocess.run(["gcc", "-O1", "-shared", "-fPIC", "-Wall", "-Werror", "-Wno-unused-variable",
                    "-o", str(library), str(c_file), "-lm"], check=True, capture_output=True, text=True)
    return ctypes.CDLL(str(library)).kernel


class GenericCKernel:
    """Like CuPy's kernel, generic in ``T`` and ``S``: the types come from the arrays passed."""

    def __init__(self, source, index):
        self.source, self.index = source, index
        self.params = _params(source.in_params) + _params(source.out_params)

    def __call__(self, *args):
        types = {}
        for (_, kind, _), value in zip(self.params, args, strict=True):
            if kind in ("T", "S") and isinstance(value, np.ndarray):
                types.setdefault(kind, value.dtype)
        return _typed(self.source, types["T"], types.get("S", np.dtype(np.uint8)), self.index)(*args)


@functools.cache
def _typed(source, dtype, arg_dtype, index) -> CKernel:
    return CKernel(source, dtype, arg_dtype, index)


def c_kernel(source, index: str) -> GenericCKernel:
    """``source`` compiled for the CPU with positions of C type ``index`` (``idx_t``), called as
    CuPy would call it."""
    return GenericCKernel(source, index)
