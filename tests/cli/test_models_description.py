"""`scratchdl models` describes each model in plain words: no reStructuredText markup in the terminal."""

from __future__ import annotations

import pytest

from scratchdl.cli import main
from scratchdl.cli.inspect_cmds import describe
from scratchdl.models import MODELS


def test_models_prints_plain_one_line_descriptions(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    lines = out.strip().splitlines()
    assert len(lines) == 2 * len(MODELS)
    assert "`" not in out and ":math:" not in out and ":class:" not in out
    for name, cls in MODELS.items():
        description = cls.__doc__.strip().splitlines()[0]
        rows = [line for line in lines if line.startswith(name + " ")]
        assert len(rows) == 2 and all(row.endswith(description) for row in rows), (name, rows)
        assert len(description.split()) >= 4 and description.endswith(".")


@pytest.mark.parametrize("doc, plain", [
    ("``features``: a ``Conv2d(1, 8, 3)`` stem.", "features: a Conv2d(1, 8, 3) stem."),
    (":math:`y = xW` with :class:`Linear`.", "y = xW with Linear."),
    ("Plain words.\n\n    More ``detail``.", "Plain words."),
])
def test_describe_drops_markup(doc, plain):
    cls = type("Model", (), {"__doc__": doc})
    assert describe(cls) == plain
