"""The sample digits in ``examples/digits/``: drawn by its ``draw.py`` from the bundled digits, and
classified right by a quickly trained run, as both READMEs show."""

import re
import runpy
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from scratchdl.cli import main

ROOT = Path(__file__).parents[2]
FOLDER = ROOT / "examples" / "digits"
DRAW = runpy.run_path(str(FOLDER / "draw.py"))
SHOWN = re.compile(r"^(examples/digits/\S+\.png): class (\d) "
                   r"\(probability [\d.]+(; inverted: dark on light)?\)$", re.M)


def test_the_samples_are_what_draw_py_draws():
    assert sorted(p.name for p in FOLDER.glob("*.png")) == sorted(DRAW["SAMPLES"])
    for name, (index, dark_on_light) in DRAW["SAMPLES"].items():
        with Image.open(FOLDER / name) as image:
            assert image.mode == "L" and image.size == (DRAW["SIZE"], DRAW["SIZE"])
            shipped = np.asarray(image)
        assert np.array_equal(shipped, np.asarray(DRAW["draw"](index, dark_on_light))), name
        assert (FOLDER / name).stat().st_size < 4000


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("digits") / "run"
    assert main(["train", "--model", "mlp", "--hidden", "64", "--epochs", "3", "--out", str(out),
                 "--no-progress"]) == 0
    return out


@pytest.mark.parametrize("readme", ["README.md", "README.ja.md"])
def test_predict_on_the_samples_prints_what_the_readme_shows(readme, quick_run, capsys, monkeypatch):
    text = (ROOT / readme).read_text(encoding="utf-8")
    assert "scratchdl predict runs/digits examples/digits/*.png" in text
    shown = SHOWN.findall(text)
    assert sorted(path for path, _, _ in shown) == sorted(f"examples/digits/{n}" for n in DRAW["SAMPLES"])
    capsys.readouterr()
    monkeypatch.chdir(ROOT)
    assert main(["predict", str(quick_run), *(path for path, _, _ in shown)]) == 0
    printed = SHOWN.findall(capsys.readouterr().out)
    assert [(p, c, inv) for p, c, inv in printed] == shown
    assert all(c == Path(p).name[0] for p, c, _ in shown)  # each file is named after its class
