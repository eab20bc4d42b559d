"""Every key of the experiments' numbers reads in Japanese: a label in ``labels.JA`` (or a pattern),
unless it names a thing (an activation, an optimizer, a formula, a parameter)."""

import json
from pathlib import Path

import pytest

from scratchdl.experiments import labels, report

RESULTS = Path(__file__).parents[2] / "docs/report/results.json"


def keys(numbers):
    """Every key at every depth of ``numbers`` (dicts, and dicts inside lists)."""
    if isinstance(numbers, dict):
        for key, value in numbers.items():
            yield key
            yield from keys(value)
    elif isinstance(numbers, list):
        for item in numbers:
            yield from keys(item)


def test_every_key_of_the_committed_report_has_a_japanese_label():
    experiments = json.loads(RESULTS.read_text(encoding="utf-8"))["experiments"]
    found = {key for e in experiments for key in keys(e["numbers"])}
    assert len(found) > 100
    labelled = set(labels.JA) | {k for k in found if any(p.fullmatch(k) for p, _ in labels.PATTERNS)}
    missing = sorted(k for k in found - labelled if not labels.is_name(k))
    assert not missing, f"add Japanese labels to experiments/labels.py for: {missing}"


@pytest.mark.parametrize(("key", "ja"), [
    ("final_test_accuracy", "最終のテスト精度"),
    ("loss_after_2_epochs", "2 エポック後の損失"),
    ("steps_to_train_loss_0.3", "訓練損失 0.3 までのステップ数"),
    ("misclassified_of_360", "誤分類数 (360 枚中)"),
    ("sigmoid + Xavier", "sigmoid + Xavier"),
    ("N(0, 0.01)", "N(0, 0.01)"),
])
def test_key_labels(key, ja):
    assert labels.key_label(key, "ja") == ja
    assert labels.key_label(key, "en") == key


@pytest.mark.parametrize("key", ["sigmoid", "sigmoid + He", "N(0, 1)", "0.03", "layers.2.bias", "VGG-style"])
def test_names_need_no_label(key):
    assert labels.is_name(key)


@pytest.mark.parametrize("key", ["final_loss", "epochs", "new_quantity", "mlp p(y|x)"])
def test_quantities_are_not_names(key):
    assert not labels.is_name(key)


def test_rows_read_the_keys_in_the_language_asked():
    numbers = {"final_test_accuracy": {"sigmoid": 0.5}, "finite": True, "timing": [{"width": 8}]}
    assert report.rows(numbers, lang="ja") == [("最終のテスト精度 / sigmoid", "0.5"), ("すべて有限", "はい"),
                                                ("計算時間 [0] / 幅", "8")]
    assert report.rows(numbers)[0] == ("final_test_accuracy / sigmoid", "0.5")
