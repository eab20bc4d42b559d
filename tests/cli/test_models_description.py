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


def test_models_gives_each_models_size_at_both_image_sizes(capsys):
    from scratchdl import models

    assert main(["models"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    expected = []
    for name in sorted(MODELS):
        for shape, shown in (((1, 8, 8), "1x8x8"), ((1, 28, 28), "1x28x28")):
            s = models.build(name, shape, 10).summary(shape, verbose=False)
            expected.append(f"{name:<11} input {shown:<8} {s.total_params:>10,} params {s.total_macs:>12,} "
                            f"multiply-adds/sample   {describe(MODELS[name])}")
    assert lines == expected


@pytest.mark.parametrize("doc, plain", [
    ("`single` and ``double`` quotes, and a lone ` one", "single and double quotes, and a lone ` one"),
    ("", "Model"),
])
def test_describe_keeps_the_text_in_quotes_and_names_an_undocumented_class(doc, plain):
    cls = type("Model", (), {"__doc__": doc or None})
    assert describe(cls) == plain
