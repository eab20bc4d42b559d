"""Loading a script of benchmarks/ as a module, as its tests need it (the folder is not a package)."""

import importlib.util
import sys
from pathlib import Path

FOLDER = Path(__file__).parents[2] / "benchmarks"


def load_script(name: str):
    """``benchmarks/<name>.py`` imported fresh; its folder on ``sys.path`` for ``import workloads``."""
    if str(FOLDER) not in sys.path:
        sys.path.insert(0, str(FOLDER))
    spec = importlib.util.spec_from_file_location(name, FOLDER / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
