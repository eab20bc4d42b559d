"""Compact tables of an experiment's numbers, declared per experiment.

An experiment module may list ``TABLES``: each a ``Table`` that says which of its ``numbers`` to
show, with labels in English and Japanese and units; the report renders them (rows = runs,
columns = metrics) before the folded full numbers. Paths are ``/``-separated keys into
``numbers``; ``{row}`` in a column's path stands for the row's key.

    Table({"en": "Per net", "ja": "ネットごと"}, rows="test_accuracy",
          row_header={"en": "net", "ja": "ネット"},
          columns=[Col("test_accuracy/{row}", {"en": "test accuracy", "ja": "テスト精度"}),
                   Col("train_seconds/{row}", {"en": "training time", "ja": "学習時間"}, "s")])

``rows`` names a dict (its keys are the rows; only those holding a dict, if some do) or a list
(rows 1, 2, ...); without ``rows`` the
table is one column of values, one row per ``Col``. ``Spread`` makes one column per item of a
list-valued cell (``{i}`` in its label is the 1-based index). A table shows at most ``MAX_ROWS``
rows; the rest stays in the full numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .base import pick

MAX_ROWS = 15


@dataclass(frozen=True)
class Col:
    path: str
    label: dict
    unit: str | dict = ""
    scale: float = 1.0  # shown value = value * scale (e.g. 1000 for seconds shown in ms)


@dataclass(frozen=True)
class Spread:
    """One column per item of the list at ``path`` (``{i}`` in ``label`` is its 1-based index)."""

    path: str
    label: dict
    unit: str | dict = ""


@dataclass(frozen=True)
class Table:
    title: dict
    columns: list = field(default_factory=list)
    rows: str | None = None
    row_header: dict = field(default_factory=lambda: {"en": "", "ja": ""})
    row_names: dict = field(default_factory=dict)  # row key -> {"en": ..., "ja": ...}
    row_label: str | None = None  # path (with {row}) of the value that names a row, instead of its key


@dataclass
class Rendered:
    """A table ready to print: its title, header cells and rows of cells (strings)."""

    title: str
    header: list[str]
    rows: list[list[str]]
    hidden: int = 0  # rows beyond MAX_ROWS, left to the full numbers
    numeric: list[bool] = field(default_factory=list)  # per column: numbers (right-aligned, no breaks)


_MISSING = object()


def lookup(numbers, path: str):
    """The value at ``path`` ("a/b/0"); a top-level key that itself contains "/" is found whole."""
    if isinstance(numbers, dict) and path in numbers:
        return numbers[path]
    node = numbers
    for key in path.split("/"):
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return _MISSING
    return node


def _label(lang: str, label: dict, unit) -> str:
    text = pick(lang, label)
    unit = pick(lang, unit) if isinstance(unit, dict) else unit
    return f"{text} ({unit})" if unit else text


def render(table: Table, numbers: dict, lang: str, fmt) -> Rendered | None:
    """``table`` filled from ``numbers`` (``fmt`` formats one value); None if nothing is there."""
    if table.rows is None:
        body = []
        for col in table.columns:
            value = lookup(numbers, col.path)
            if value is not _MISSING:
                body.append([_label(lang, col.label, col.unit), fmt(_scaled(value, col))])
        header = [pick(lang, {"en": "quantity", "ja": "項目"}), pick(lang, {"en": "value", "ja": "値"})]
        return Rendered(pick(lang, table.title), header, body, 0, [False, True]) if body else None
    source = lookup(numbers, table.rows)
    if isinstance(source, dict):  # a dict of runs may also hold a few scalars: those are not runs
        runs = [k for k, v in source.items() if isinstance(v, dict)]
        keys = runs or list(source)
    elif isinstance(source, list):
        keys = [str(i) for i in range(len(source))]
    else:
        return None
    header, numeric, cells_per_row = [pick(lang, table.row_header)], [False], [[] for _ in keys]
    for col in table.columns:
        values = [lookup(numbers, col.path.format(row=k)) for k in keys]
        if isinstance(col, Spread):
            width = max((len(v) for v in values if isinstance(v, list)), default=0)
            header += [_label(lang, {k: v.format(i=i + 1) for k, v in col.label.items()}, col.unit)
                       for i in range(width)]
            numeric += [True] * width
            for cells, v in zip(cells_per_row, values, strict=True):
                items = v if isinstance(v, list) else []
                cells += [fmt(items[i]) if i < len(items) else "–" for i in range(width)]
            continue
        if all(v is _MISSING for v in values):
            continue
        header.append(_label(lang, col.label, col.unit))
        numeric.append(True)
        for cells, v in zip(cells_per_row, values, strict=True):
            cells.append("–" if v is _MISSING else fmt(_scaled(v, col)))
    names = [fmt(lookup(numbers, table.row_label.format(row=k))) if table.row_label else
             pick(lang, table.row_names[k]) if k in table.row_names else
             (str(int(k) + 1) if isinstance(source, list) else k) for k in keys]
    body = [[name, *cells] for name, cells in zip(names, cells_per_row, strict=True)]
    return Rendered(pick(lang, table.title), header, body[:MAX_ROWS], max(0, len(body) - MAX_ROWS), numeric)


def _scaled(value, col):
    if col.scale == 1.0 or isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value * col.scale
    return value
