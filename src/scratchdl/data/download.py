"""Where dataset files are looked for, and fetching missing ones into a cache, verified.

Nothing here runs at import time: files are looked for, and fetched, only when a dataset is
loaded. For a dataset ``name`` the folders tried, in order, are

1. ``data_dir`` when given (``--data-dir``): the files directly in it, or in ``data_dir/<name>``;
2. else ``$SCRATCHDL_DATA_DIR/<name>``, then ``$SCRATCHDL_DATA_DIR`` itself, when that is set;
3. else the cache, ``$XDG_CACHE_HOME/scratchdl/<name>`` (``~/.cache/scratchdl/<name>``), which is
   outside the package, so an install stays read-only and a reinstall keeps the data.

A missing file is downloaded into the first of those folders from each mirror in turn. The bytes
are written to a temporary file in that folder, their SHA-256 checked against the known value, and
only then renamed into place (``os.replace``), so an interrupted or corrupted download never
leaves a file that looks complete. When every mirror fails, a ``DataError`` says which files to
place in which folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError

ENV_VAR = "SCRATCHDL_DATA_DIR"
TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Source:
    """Where a dataset's files come from: base URLs tried in order and each file's SHA-256."""

    mirrors: tuple[str, ...]
    sha256: dict  # file name (as downloaded, e.g. "train-images-idx3-ubyte.gz") -> hex digest


def cache_dir(name: str | None = None) -> Path:
    """``$XDG_CACHE_HOME/scratchdl[/name]``, or ``~/.cache/scratchdl[/name]``."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    root = Path(base) / "scratchdl"
    return root / name if name else root


def candidate_folders(name: str, data_dir=None) -> list[Path]:
    """The folders searched for ``name``'s files, in order; the first is where downloads go."""
    if data_dir is not None:
        data_dir = Path(data_dir).expanduser()
        if not data_dir.is_dir():
            raise DataError(f"{name}: data folder {data_dir} does not exist")
        return [data_dir, data_dir / name]
    env = os.environ.get(ENV_VAR)
    if env:
        env = Path(env).expanduser()
        return [env / name, env]
    return [cache_dir(name)]


def find_file(folder: Path, stem: str) -> Path | None:
    """``folder/stem.gz`` or ``folder/stem`` (raw), whichever exists first, else None."""
    for path in (folder / f"{stem}.gz", folder / stem):
        if path.is_file():
            return path
    return None


def ensure_files(name: str, stems, data_dir=None, source: Source | None = None,
                 download: bool = True, also=()) -> dict:
    """``{stem: path}`` for every file stem in ``stems``, downloading missing ones when allowed.

    ``also`` names the dataset's other files: fetched too when something must be downloaded
    (after ``stems``), and listed in the error when missing, so one message names every file to
    place.
    """
    folders = candidate_folders(name, data_dir)
    for folder in folders:
        found = {stem: find_file(folder, stem) for stem in stems}
        if all(found.values()):
            return found
    target = folders[0]
    wanted = list(stems) + [s for s in also if s not in stems]
    found = {stem: find_file(target, stem) for stem in wanted}
    why = "downloading is turned off"
    if download and source is not None:
        for stem in [s for s in wanted if found[s] is None]:
            path, error = _download(name, f"{stem}.gz", target, source)
            if path is None:
                why = f"the download failed: {error}"
                break
            found[stem] = path
        if all(found[s] for s in stems):
            return {s: found[s] for s in stems}
    missing = [stem for stem in wanted if found[stem] is None]
    raise DataError(_placement_message(name, missing, target, source, why))


def _download(name: str, filename: str, folder: Path, source: Source):
    """``(path, None)`` after fetching ``filename`` from the first mirror that works, or
    ``(None, reason)`` when none does."""
    errors = []
    for mirror in source.mirrors:
        url = mirror.rstrip("/") + "/" + filename
        print(f"scratchdl: downloading {name} {filename} from {url}")
        try:
            return fetch(url, folder / filename, source.sha256[filename]), None
        except DataError as e:
            errors.append(str(e))
        except (OSError, ValueError) as e:
            errors.append(f"{url}: {getattr(e, 'reason', None) or e}")
    return None, "; ".join(errors) or "no mirror configured"


def urlopen(url: str, timeout: float):
    """The response for ``url`` (a seam: tests replace it to stay off the network)."""
    return urllib.request.urlopen(url, timeout=timeout)


def fetch(url: str, dest, sha256: str, timeout: float = TIMEOUT_S) -> Path:
    """Download ``url`` to ``dest`` atomically, keeping it only when its SHA-256 is ``sha256``."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, urlopen(url, timeout=timeout) as response:
            while chunk := response.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != sha256:
            raise DataError(f"{url}: SHA-256 {digest.hexdigest()} does not match the expected "
                            f"{sha256}; the download was discarded")
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return dest


def _placement_message(name: str, missing, folder: Path, source, why: str) -> str:
    """One line: which files are missing where, why they were not fetched, and what to do."""
    files = ", ".join(f"{stem}.gz" for stem in missing)
    them = "it" if len(missing) == 1 else "them"
    where = f" from {source.mirrors[0]}" if source and source.mirrors else ""
    return (f"{name}: missing {files} in {folder} ({why}). Download {them}{where} and place {them} "
            f"(gzipped or not) in {folder}, or point --data-dir (data_dir=...) or ${ENV_VAR} at a "
            f"folder that holds them")
