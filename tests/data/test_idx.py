"""read_idx on small IDX files written here: every type, raw and gzipped, and each kind of damage."""

import gzip

import numpy as np
import pytest
from data_helpers import idx_bytes, write_idx

from scratchdl.data import read_idx
from scratchdl.errors import DataError


@pytest.mark.parametrize("dtype", ["u1", "i1", "i2", "i4", "f4", "f8"])
@pytest.mark.parametrize("gz", [False, True])
def test_reads_every_type_raw_and_gzipped(tmp_path, dtype, gz):
    rng = np.random.default_rng(1)
    a = (rng.standard_normal((3, 4, 5)) * 100).astype(dtype)
    path = tmp_path / ("a.idx.gz" if gz else "a.idx")
    write_idx(path, a)
    b = read_idx(path)
    assert b.shape == (3, 4, 5)
    assert b.dtype == np.dtype(dtype).newbyteorder("=")
    assert b.dtype.isnative
    np.testing.assert_array_equal(b, a)
    b[0, 0, 0] = 1  # writable


def test_known_bytes_decode_to_known_values(tmp_path):
    # 2 big-endian int16 values 0x0102 = 258 and 0xFFFE = -2, shape (2,), written by hand
    raw = bytes([0, 0, 0x0B, 1, 0, 0, 0, 2, 0x01, 0x02, 0xFF, 0xFE])
    path = tmp_path / "h.idx"
    path.write_bytes(raw)
    np.testing.assert_array_equal(read_idx(path), [258, -2])


def test_gzip_detected_by_content_not_name(tmp_path):
    a = np.arange(12, dtype=np.uint8).reshape(3, 4)
    path = tmp_path / "labels-idx2-ubyte"  # no .gz suffix, gzipped content
    path.write_bytes(gzip.compress(idx_bytes(a)))
    np.testing.assert_array_equal(read_idx(path), a)


@pytest.mark.parametrize("gz", [False, True])
def test_truncated_data(tmp_path, gz):
    a = np.zeros((10, 28, 28), dtype=np.uint8)
    path = tmp_path / ("t.gz" if gz else "t")
    path.write_bytes(gzip.compress(idx_bytes(a)[:-100]) if gz else idx_bytes(a)[:-100])
    with pytest.raises(DataError, match="truncated") as e:
        read_idx(path)
    assert str(path) in str(e.value)
    assert "7840 bytes" in str(e.value) and "7740" in str(e.value)


def test_truncated_gzip_stream(tmp_path):
    a = np.arange(1000, dtype=np.int32)
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(idx_bytes(a))[:-20])
    with pytest.raises(DataError, match="gzip") as e:
        read_idx(path)
    assert str(path) in str(e.value)


def test_corrupted_gzip_stream(tmp_path):
    data = bytearray(gzip.compress(idx_bytes(np.arange(1000, dtype=np.int32))))
    data[20:40] = b"\x00" * 20
    path = tmp_path / "bad.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match="gzip"):
        read_idx(path)


def test_gz_name_without_gzip_content(tmp_path):
    path = tmp_path / "x.gz"
    path.write_bytes(b"hello world")
    with pytest.raises(DataError, match="not a gzip file"):
        read_idx(path)


@pytest.mark.parametrize("magic", [b"\x08\x03\x00\x00", b"\x00\x01\x08\x01", b"\x00\x00\x07\x01",
                                   b"\x00\x00\x08\x00", b"PK\x03\x04"])
def test_bad_magic(tmp_path, magic):
    data = magic + idx_bytes(np.zeros(4, dtype=np.uint8))[4:]
    path = tmp_path / "m"
    path.write_bytes(data)
    with pytest.raises(DataError, match="bad IDX magic number") as e:
        read_idx(path)
    assert str(path) in str(e.value) and magic.hex() in str(e.value)


def test_trailing_bytes(tmp_path):
    path = tmp_path / "long"
    path.write_bytes(idx_bytes(np.zeros((2, 3), dtype=np.uint8)) + b"\x00")
    with pytest.raises(DataError, match="trailing bytes"):
        read_idx(path)


def test_wrong_dims_in_header(tmp_path):
    # the header claims 5 labels, the file holds 4
    data = bytearray(idx_bytes(np.arange(4, dtype=np.uint8)))
    data[7] = 5
    path = tmp_path / "dims"
    path.write_bytes(bytes(data))
    with pytest.raises(DataError, match=r"shape \(5,\)"):
        read_idx(path)


@pytest.mark.parametrize("data", [b"", b"\x00\x00", b"\x00\x00\x08\x03\x00\x00\x00\x0a"])
def test_truncated_header(tmp_path, data):
    path = tmp_path / "short"
    path.write_bytes(data)
    with pytest.raises(DataError, match="truncated"):
        read_idx(path)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="cannot read") as e:
        read_idx(tmp_path / "nope")
    assert "nope" in str(e.value)
