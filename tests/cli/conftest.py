import gzip
import struct

import numpy as np
import pytest

from scratchdl.cli import main


@pytest.fixture
def cli(capsys):
    """Run ``scratchdl ARGS`` in this process; returns (status, stdout, stderr)."""

    def run(*args):
        try:
            status = main([str(a) for a in args])
        except SystemExit as e:  # argparse exits for --help and bad options
            status = e.code
        out, err = capsys.readouterr()
        return status, out, err

    return run


@pytest.fixture
def scratchdl_env():
    """The environment of a subprocess that imports the scratchdl these tests import (first on its path)."""
    import os
    from pathlib import Path

    import scratchdl

    source = str(Path(scratchdl.__file__).parents[1])
    return {**os.environ, "PYTHONPATH": os.pathsep.join([source, os.environ.get("PYTHONPATH", "")])}


def write_idx(path, array, gz=False):
    """An IDX file (the MNIST format) holding ``array`` of uint8."""
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    raw = header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()
    path.write_bytes(gzip.compress(raw) if gz else raw)


@pytest.fixture
def tiny_mnist(tmp_path):
    """A folder with the four MNIST IDX files holding a few random 28x28 images."""
    folder = tmp_path / "mnist"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 60), ("t10k", 20)):
        write_idx(folder / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28)))
        write_idx(folder / f"{prefix}-labels-idx1-ubyte", rng.integers(0, 10, n))
    return folder
