"""Reading IDX files (the MNIST format), raw or gzipped, into NumPy arrays.

An IDX file is a 4-byte magic number, ``0x00 0x00 <type> <ndim>``, then ``ndim`` big-endian
uint32 sizes, then the values in C order, big-endian. ``read_idx(path)`` checks every part of
that and returns the array in one ``np.frombuffer`` call; any problem (bad gzip stream, bad
magic, unknown type code, truncated or oversized data) is a ``DataError`` naming the file and
what is wrong, never a NumPy traceback.
"""

from __future__ import annotations

import gzip
import os
import zlib

import numpy as np

from ..errors import DataError

#: IDX type code -> big-endian NumPy dtype.
IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

_GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path) -> np.ndarray:
    """The array stored in the IDX file ``path`` (gzipped or raw, told apart by content)."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise DataError(f"{path}: cannot read IDX file ({e.strerror or e})") from None
    if data[:2] == _GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as e:
            raise DataError(f"{path}: corrupted or truncated gzip stream ({e})") from None
    elif path.endswith(".gz"):
        raise DataError(f"{path}: named .gz but is not a gzip file "
                        f"(starts with bytes {data[:4].hex(' ') or 'nothing: the file is empty'})")
    return parse_idx(data, path)


def parse_idx(data: bytes, source: str = "<bytes>") -> np.ndarray:
    """The array encoded by the IDX bytes ``data``; ``source`` names them in errors."""
    if len(data) < 4:
        raise DataError(f"{source}: truncated IDX file: {len(data)} bytes, shorter than the "
                        f"4-byte magic number")
    zero, code, ndim = data[0:2], data[2], data[3]
    if zero != b"\x00\x00" or code not in IDX_TYPES or ndim == 0:
        raise DataError(f"{source}: bad IDX magic number 0x{data[:4].hex()}: expected 0x0000TTDD "
                        f"with type TT in {{08, 09, 0b, 0c, 0d, 0e}} and DD >= 1 dimensions")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataError(f"{source}: truncated IDX header: {ndim} dimensions need {header} bytes, "
                        f"file has {len(data)}")
    shape = tuple(int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    dtype = IDX_TYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    found = len(data) - header
    if found != expected:
        what = "truncated" if found < expected else "has trailing bytes"
        raise DataError(f"{source}: IDX data {what}: shape {shape} of {dtype.newbyteorder('=')} "
                        f"needs {expected} bytes after the header, found {found}")
    array = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="))  # a writable copy in native byte order
