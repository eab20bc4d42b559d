"""The code view shows the installed package's own methods, for allow-listed classes only."""

import inspect
import textwrap
from pathlib import Path

import pytest

from scratchdl import nn, optim
from scratchdl.errors import ConfigError
from scratchdl.playground import code_view, schema


def test_every_layer_and_optimizer_the_page_can_build_has_a_code_view():
    page_names = {cls.__name__ for cls in schema.ACTIVATIONS.values()}
    page_names |= {cls.__name__ for cls in schema.OPTIMIZERS.values()}
    page_names |= {"Linear", "BatchNorm1d", "Dropout", "CrossEntropyLoss"}
    assert page_names == set(code_view.ALLOWED)


@pytest.mark.parametrize("name", list(code_view.ALLOWED))
def test_code_is_the_installed_source_with_a_formula(name):
    shown = code_view.code(name)
    cls = code_view.ALLOWED[name][0]
    assert shown["module"] == cls.__module__ and len(shown["formula"]) == 2 and shown["summary"]
    for method in shown["methods"]:
        assert method["source"].startswith(f"def {method['name']}(")
        installed = Path(inspect.getsourcefile(cls)).read_text(encoding="utf-8")
        assert textwrap.indent(method["source"], "    ") in installed  # the file's text, as it is


def test_linear_shows_forward_and_backward_and_batchnorm_its_base_classes():
    linear = code_view.code("Linear")
    assert [m["name"] for m in linear["methods"]] == ["forward", "backward"]
    assert "matmul(x2.T, d2" in linear["methods"][1]["source"]
    batchnorm = code_view.code("BatchNorm1d")
    assert batchnorm["methods"][0]["defined_in"] == "scratchdl.nn.norm._BatchNorm"
    assert code_view.code("Adam")["methods"][0]["defined_in"] == "scratchdl.optim.adaptive.Adam"
    assert code_view.ALLOWED["Momentum"][0] is optim.Momentum and code_view.ALLOWED["GELU"][0] is nn.GELU


@pytest.mark.parametrize("name", ["os", "Module", "__class__", "scratchdl.nn.Linear", "", None, "linear"])
def test_names_outside_the_list_are_refused(name):
    with pytest.raises(ConfigError, match="no code view for"):
        code_view.code(name)
