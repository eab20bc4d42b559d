"""Downloads, without the network: file:// mirrors and fake responses stand in for the servers."""

import hashlib
import io
import re

import numpy as np
import pytest
from data_helpers import STEMS, fake_mnist

from scratchdl.data import cache_dir, load, load_splits, mnist
from scratchdl.data import download as dl
from scratchdl.errors import DataError

ALL_FILES = [f"{stem}.gz" for pair in STEMS.values() for stem in pair]


def serve(monkeypatch, tmp_path, name="mnist", corrupt=None, extra_mirrors=()):
    """Put fake gz files in a folder, register it as ``name``'s mirror (file:// URL) with their
    true checksums (or a wrong one for ``corrupt``); return the arrays."""
    server = tmp_path / "server"
    arrays = fake_mnist(server, seed=5)
    sha = {f: hashlib.sha256((server / f).read_bytes()).hexdigest() for f in ALL_FILES}
    if corrupt:
        sha[corrupt] = "0" * 64
    mirrors = (*extra_mirrors, server.as_uri() + "/")
    monkeypatch.setitem(mnist.SOURCES, name, dl.Source(mirrors=mirrors, sha256=sha))
    return arrays


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_cache_dir_honours_xdg_and_is_outside_the_package(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir("mnist") == tmp_path / "scratchdl" / "mnist"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "scratchdl"


def test_download_into_cache_then_reuse(monkeypatch, tmp_path, clean_env, capsys):
    arrays = serve(monkeypatch, tmp_path)
    train, test = load_splits("mnist")
    folder = clean_env / "scratchdl" / "mnist"
    assert leftovers(folder) == sorted(ALL_FILES)  # all four fetched at once, no temp files left
    np.testing.assert_array_equal(train.t, arrays["train"][1])
    np.testing.assert_array_equal(test.x[:, 0], arrays["test"][0] / np.float32(255))
    assert "downloading mnist train-images-idx3-ubyte.gz" in capsys.readouterr().out

    def refuse(url, timeout):
        raise AssertionError("the cache should have been used")

    monkeypatch.setattr(dl, "urlopen", refuse)
    np.testing.assert_array_equal(load("mnist").x, train.x)


def test_checksum_mismatch_keeps_nothing(monkeypatch, tmp_path, clean_env):
    serve(monkeypatch, tmp_path, corrupt="train-images-idx3-ubyte.gz")
    with pytest.raises(DataError) as e:
        load("mnist")
    message = str(e.value)
    assert re.search(r"SHA-256 [0-9a-f]{64} does not match the expected 0{64}", message)
    assert "missing train-images-idx3-ubyte.gz" in message and "place them" in message
    assert leftovers(clean_env / "scratchdl" / "mnist") == []


def test_checksum_mismatch_of_a_later_file(monkeypatch, tmp_path, clean_env):
    serve(monkeypatch, tmp_path, corrupt="t10k-images-idx3-ubyte.gz")
    # the train files arrive and are complete; the bad test file is not kept
    assert len(load("mnist")) == 6
    folder = clean_env / "scratchdl" / "mnist"
    assert leftovers(folder) == ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]
    with pytest.raises(DataError, match=r"missing t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz in"):
        load("mnist", split="test")
    assert "t10k-images-idx3-ubyte.gz" not in leftovers(folder)


def test_falls_back_to_the_next_mirror(monkeypatch, tmp_path, clean_env):
    dead = (tmp_path / "dead").as_uri() + "/"
    serve(monkeypatch, tmp_path, name="fashion-mnist", extra_mirrors=(dead,))
    assert len(load("fashion-mnist", split="test")) == 4


def test_download_goes_into_a_named_data_dir(monkeypatch, tmp_path, clean_env):
    serve(monkeypatch, tmp_path)
    target = tmp_path / "mine"
    target.mkdir()
    load("mnist", data_dir=target)
    assert leftovers(target) == sorted(ALL_FILES)
    assert not (clean_env / "scratchdl").exists()


def test_all_mirrors_failing_names_urls_files_and_folder(monkeypatch, tmp_path, clean_env):
    dead = (tmp_path / "dead").as_uri() + "/"
    source = dl.Source(mirrors=(dead,), sha256=dict.fromkeys(ALL_FILES, ""))
    monkeypatch.setitem(mnist.SOURCES, "mnist", source)
    with pytest.raises(DataError) as e:
        load("mnist")
    message = str(e.value)
    folder = clean_env / "scratchdl" / "mnist"
    assert f"{dead}train-images-idx3-ubyte.gz" in message
    assert f"place them (gzipped or not) in {folder}" in message
    assert all(f in message for f in ALL_FILES) and "SCRATCHDL_DATA_DIR" in message
    assert leftovers(folder) == []


class BrokenResponse(io.BytesIO):
    """A response that delivers some bytes, then fails like a dropped connection (or a Ctrl-C)."""

    def __init__(self, error):
        super().__init__(b"\x1f\x8b" + b"x" * (3 << 20))
        self.error = error

    def read(self, size=-1):
        if self.tell() > (1 << 20):
            raise self.error
        return super().read(size)


@pytest.mark.parametrize("error", [ConnectionResetError("connection reset"), KeyboardInterrupt()])
def test_interrupted_download_leaves_nothing(monkeypatch, tmp_path, error):
    monkeypatch.setattr(dl, "urlopen", lambda url, timeout: BrokenResponse(error))
    dest = tmp_path / "cache" / "f.gz"
    with pytest.raises(type(error)):
        dl.fetch("https://example.invalid/f.gz", dest, "0" * 64)
    assert leftovers(tmp_path / "cache") == []


def test_fetch_writes_exactly_the_verified_bytes(monkeypatch, tmp_path):
    payload = bytes(range(256)) * 5000
    monkeypatch.setattr(dl, "urlopen", lambda url, timeout: io.BytesIO(payload))
    dest = dl.fetch("https://example.invalid/f", tmp_path / "f", hashlib.sha256(payload).hexdigest())
    assert dest.read_bytes() == payload and leftovers(tmp_path) == ["f"]


def test_known_checksums_are_complete():
    for name in ("mnist", "fashion-mnist"):
        source = mnist.SOURCES[name]
        assert sorted(source.sha256) == sorted(ALL_FILES)
        assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in source.sha256.values())
        assert all(m.startswith(("http://", "https://")) and m.endswith("/") for m in source.mirrors)
