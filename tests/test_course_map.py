"""The course map (docs/course-map.md) cannot dangle: every file, test function, experiment name and
Python name it gives exists, and every topic of the study report has a row with code and a test."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from scratchdl.experiments import EXPERIMENTS

ROOT = Path(__file__).parents[1]
MAP = (ROOT / "docs" / "course-map.md").read_text(encoding="utf-8")
ROWS = [line for line in MAP.splitlines() if re.match(r"\| [①-⑳] \|", line)]
PATH = re.compile(r"^(src|tests|docs|examples)/[\w./-]+?(::\w+)?$")
TOPICS = ["生成モデルと識別モデル", "万能近似定理", "活性化関数", "誤差関数", "勾配降下法と学習率",
          "オンライン学習", "ミニバッチ", "誤差逆伝播法", "勾配消失", "Xavier / He", "バッチ正規化",
          "Momentum / AdaGrad / RMSProp / Adam", "AlexNet / VGG / ResNet", "演習 1", "演習 2",
          "計算グラフと自動微分"]


def cells(row: str) -> list[str]:
    return [c.strip() for c in row.strip().strip("|").split("|")]


def code_spans(text: str) -> list[str]:
    return re.findall(r"`([^`]+)`", text)


def test_every_topic_of_the_report_has_a_row():
    assert len(ROWS) == len(TOPICS)
    for topic in TOPICS:
        assert sum(topic in cells(row)[1] for row in ROWS) == 1, topic


@pytest.mark.parametrize("row", ROWS, ids=lambda r: cells(r)[0])
def test_row_has_code_experiment_figure_and_test(row):
    _, _, code, experiment, figure, test = cells(row)
    assert any(s.startswith(("src/", "examples/")) for s in code_spans(code))
    assert re.fullmatch(r"`scratchdl experiment [\w-]+`", experiment)
    assert code_spans(figure) and all(s.startswith("docs/report/") and s.endswith(".png")
                                      for s in code_spans(figure))
    assert code_spans(test) and all(s.startswith("tests/") and "::test_" in s for s in code_spans(test))


def test_every_experiment_named_exists_and_every_experiment_is_on_the_map():
    named = re.findall(r"scratchdl experiment ([a-z][\w-]*)", MAP)
    assert named and set(named) <= set(EXPERIMENTS), set(named) - set(EXPERIMENTS)
    assert set(EXPERIMENTS) <= set(named)


def test_every_path_and_test_function_exists():
    paths = [s for s in code_spans(MAP) if PATH.match(s)]
    assert len(paths) > 40
    for span in paths:
        file, _, function = span.partition("::")
        if file.endswith("/"):
            assert (ROOT / file).is_dir(), f"folder {file} does not exist"
            continue
        assert (ROOT / file).is_file(), f"{file} does not exist"
        if function:
            source = (ROOT / file).read_text(encoding="utf-8")
            assert re.search(rf"^def {function}\(", source, flags=re.M), f"{span}: no such test"


def test_every_python_name_resolves_in_the_module_before_it():
    """In a code cell, names after `src/scratchdl/x/y.py` are attributes of scratchdl.x.y."""
    resolved = 0
    for row in ROWS:
        module = None
        for span in code_spans(cells(row)[2]):
            if span.startswith("src/"):
                module = importlib.import_module(span[len("src/"):-len(".py")].replace("/", "."))
            elif span.startswith("examples/"):
                module = None
            else:
                assert module is not None, f"{span} comes before any module in row {cells(row)[0]}"
                target = module
                for part in span.split("."):
                    assert hasattr(target, part), f"{module.__name__}.{span} does not exist"
                    target = getattr(target, part)
                resolved += 1
    assert resolved > 40


def test_both_readmes_link_the_map():
    for readme in ("README.md", "README.ja.md"):
        assert "docs/course-map.md" in (ROOT / readme).read_text(encoding="utf-8"), readme
