"""``help()`` of every public class opens with one line in plain words, before any formula: a
sentence (ending with a period, at most 100 characters) without math markup or code quotes."""

import importlib
import inspect

import pytest

PACKAGES = ["nn", "optim", "data", "models", "train", "checkpoint", "gradcheck", "interop", "autograd"]
MARKUP = (":math:", "\\", "``", "$", ".. ")


def public_classes():
    seen = {}
    for name in PACKAGES:
        package = importlib.import_module(f"scratchdl.{name}")
        names = getattr(package, "__all__", None) or [n for n in vars(package) if not n.startswith("_")]
        for attr in names:
            obj = getattr(package, attr)
            if inspect.isclass(obj) and obj.__module__.startswith("scratchdl"):
                seen.setdefault(obj, f"scratchdl.{name}.{attr}")
    return sorted(seen.items(), key=lambda item: item[1])


CLASSES = public_classes()


def test_the_walk_finds_the_classes_a_learner_meets():
    names = {cls.__name__ for cls, _ in CLASSES}
    assert {"Linear", "Conv2d", "Sequential", "SGD", "Adam", "DataLoader", "Dataset", "MLP",
            "Checkpoint", "EarlyStopping"} <= names
    assert len(CLASSES) > 40


@pytest.mark.parametrize("cls", [c for c, _ in CLASSES], ids=[path for _, path in CLASSES])
def test_first_docstring_line_is_a_plain_sentence(cls):
    doc = cls.__dict__.get("__doc__") or ""
    lines = inspect.cleandoc(doc).splitlines()
    assert lines and lines[0].strip(), f"{cls.__name__} has no docstring"
    first = lines[0]
    assert len(lines) == 1 or not lines[1].strip(), f"{cls.__name__}: the summary is more than one line"
    assert first.endswith("."), f"{cls.__name__}: {first!r} is not a sentence"
    assert len(first) <= 100, f"{cls.__name__}: {first!r} is {len(first)} characters"
    assert not any(mark in first for mark in MARKUP), f"{cls.__name__}: {first!r} has markup"
    assert not first.startswith(cls.__name__ + "("), f"{cls.__name__}: {first!r} is a signature"
