"""The course map's table of the book's ``common/`` package cannot dangle: every class and function it
names is in the scratchdl.common module it gives, and every module of scratchdl.common is on it."""

import importlib
import re
from pathlib import Path

import scratchdl.common

MAP = (Path(__file__).parents[2] / "docs" / "course-map.md").read_text(encoding="utf-8")
SECTION = MAP[MAP.index("## 本の `common/` パッケージ"):]
ROWS = [line for line in SECTION.splitlines() if line.startswith("| ") and "src/scratchdl/common/" in line]


def test_every_name_is_in_its_module_and_every_module_is_listed():
    modules = set()
    for row in ROWS:
        _, names, files, _ = [cell.strip() for cell in row.strip().strip("|").split("|")]
        path = re.search(r"`(src/scratchdl/common/\w+\.py)`", files).group(1)
        module = importlib.import_module(path[len("src/"):-len(".py")].replace("/", "."))
        modules.add(module.__name__.rsplit(".", 1)[1])
        for name in re.findall(r"`(\w+)`", names):
            assert hasattr(module, name), f"{module.__name__} has no {name}"
    assert set(scratchdl.common.SUBMODULES) | {"alias"} == modules
