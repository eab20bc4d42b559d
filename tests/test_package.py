"""``import scratchdl`` is light (NumPy only) and reaches every public subpackage on first use."""

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import scratchdl

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
TABLE = README.split("## What is in it")[1].split("\n## ")[0]
PUBLIC = re.findall(r"^\| `scratchdl\.(\w+)` \|", TABLE, flags=re.M)  # the modules the README lists


def run(code: str) -> dict:
    """``code`` in a fresh interpreter (nothing imported before it); it prints one JSON value."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_import_loads_numpy_only():
    loaded = run("import json, sys, scratchdl; print(json.dumps(sorted(sys.modules)))")
    assert not any(m.split(".")[0] in ("matplotlib", "torch", "scipy", "safetensors") for m in loaded)
    assert [m for m in loaded if m.startswith("scratchdl.")] == ["scratchdl.backend", "scratchdl.errors"]


def test_the_readme_table_names_every_public_subpackage():
    assert {"autograd", "common", "nn", "playground", "train"} <= set(PUBLIC)
    assert set(PUBLIC) <= set(scratchdl.SUBPACKAGES)


@pytest.mark.parametrize("name", PUBLIC)
def test_public_subpackages_after_a_bare_import(name):
    found = run(f"import json, scratchdl; m = scratchdl.{name}; print(json.dumps(m.__name__))")
    assert found == f"scratchdl.{name}"
    assert name in dir(scratchdl)


def test_readme_spellings_after_import_scratchdl():
    assert callable(scratchdl.checkpoint.load) and callable(scratchdl.train.fit)
    assert scratchdl.models.MLP and scratchdl.interop.to_torch_state_dict


def test_gradcheck_is_callable_however_it_was_imported():
    layer, x = scratchdl.nn.Linear(2, 3), np.ones((2, 2))
    assert scratchdl.gradcheck(layer, x).max_error < 1e-6
    from scratchdl.gradcheck import GradcheckResult

    assert isinstance(scratchdl.gradcheck(layer, x), GradcheckResult)
    first = run("import json, scratchdl.gradcheck as g, scratchdl; import numpy as np; "
                "r = scratchdl.gradcheck(scratchdl.nn.Linear(2, 3), np.ones((2, 2))); "
                "print(json.dumps(r.max_error < 1e-6))")
    assert first is True


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        _ = scratchdl.nonexistent
    assert not hasattr(scratchdl, "_private")
