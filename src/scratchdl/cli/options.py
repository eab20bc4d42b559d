"""Option types for argparse that reject bad values with a one-line message."""

from __future__ import annotations

import argparse


def _bounded(parse, strict: bool, noun: str):
    """An option type: ``parse(text)``, then finite and > 0 (``strict``) or >= 0."""
    bound = "> 0" if strict else ">= 0"

    def check(text: str):
        try:
            value = parse(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {noun}, got {text!r}") from None
        if not (value > 0 if strict else value >= 0) or value == float("inf"):
            raise argparse.ArgumentTypeError(f"must be {bound}, got {text}")
        return value

    return check


positive_int = _bounded(int, True, "a positive integer")
positive_float = _bounded(float, True, "a positive number")
non_negative_int = _bounded(int, False, "an integer >= 0")
non_negative_float = _bounded(float, False, "a number >= 0")


def probability(text: str) -> float:
    value = non_negative_float(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


def port_number(text: str) -> int:
    value = non_negative_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"must be a port number in [0, 65535], got {text}")
    return value


def int_list(text: str) -> list[int]:
    """``"100,50"`` -> ``[100, 50]``."""
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not values or min(values) <= 0:
        raise argparse.ArgumentTypeError(f"expected positive integers, got {text!r}")
    return values


def dataset_name(text: str) -> str:
    """A registered dataset name, or the path of a ``.npz`` file of one's own arrays."""
    from ..data import DATASETS

    key = text.lower().replace("_", "-")
    if key in DATASETS:
        return key
    if text.lower().endswith(".npz"):
        return text
    raise argparse.ArgumentTypeError(
        f"unknown dataset {text!r}; valid: {', '.join(sorted(DATASETS))}, or a .npz file"
    )


def initializer(text: str) -> str:
    """An initializer name (``he_normal``, ``xavier``, ...), or ``normal:STD`` / ``uniform:BOUND``."""
    from ..nn import init

    key = text.lower()
    kind, sep, arg = key.partition(":")
    if key in init.names():
        return key
    if sep and kind in ("normal", "uniform"):
        try:
            positive_float(arg)
        except argparse.ArgumentTypeError:
            what = "standard deviation" if kind == "normal" else "bound"
            raise argparse.ArgumentTypeError(f"{kind}:{arg}: the {what} must be a number > 0") from None
        return key
    raise argparse.ArgumentTypeError(f"unknown initializer {text!r}; valid: {', '.join(init.names())}, "
                                     "normal:STD, uniform:BOUND")
