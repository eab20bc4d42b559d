"""The command line's option types, each on its edges: what it returns and the exact line it refuses with."""

from __future__ import annotations

import argparse

import pytest

from scratchdl.cli import options
from scratchdl.data import DATASETS
from scratchdl.nn import init


@pytest.mark.parametrize(("parse", "text", "value"), [
    (options.positive_int, "1", 1), (options.positive_int, "12", 12),
    (options.positive_float, "1e-9", 1e-9), (options.positive_float, "2.5", 2.5),
    (options.non_negative_int, "0", 0), (options.non_negative_float, "0", 0.0),
    (options.non_negative_float, "0.5", 0.5), (options.probability, "0", 0.0),
    (options.probability, "0.999", 0.999),
    (options.port_number, "0", 0), (options.port_number, "65535", 65535),
    (options.int_list, "100,50", [100, 50]), (options.int_list, "3,,4,", [3, 4]),
    (options.int_list, " 7", [7]),
])
def test_values_taken(parse, text, value):
    got = parse(text)
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize(("parse", "text", "message"), [
    (options.positive_int, "0", "must be > 0, got 0"),
    (options.positive_int, "-3", "must be > 0, got -3"),
    (options.positive_int, "x", "expected a positive integer, got 'x'"),
    (options.positive_int, "1.5", "expected a positive integer, got '1.5'"),
    (options.positive_float, "0", "must be > 0, got 0"),
    (options.positive_float, "inf", "must be > 0, got inf"),
    (options.positive_float, "nan", "must be > 0, got nan"),
    (options.positive_float, "two", "expected a positive number, got 'two'"),
    (options.non_negative_int, "-1", "must be >= 0, got -1"),
    (options.non_negative_int, "one", "expected an integer >= 0, got 'one'"),
    (options.non_negative_float, "-0.5", "must be >= 0, got -0.5"),
    (options.non_negative_float, "inf", "must be >= 0, got inf"),
    (options.non_negative_float, "?", "expected a number >= 0, got '?'"),
    (options.probability, "1", "must be in [0, 1), got 1"),
    (options.probability, "-0.1", "must be >= 0, got -0.1"),
    (options.port_number, "65536", "must be a port number in [0, 65535], got 65536"),
    (options.port_number, "-1", "must be >= 0, got -1"),
    (options.int_list, "0,5", "expected positive integers, got '0,5'"),
    (options.int_list, "5,-2", "expected positive integers, got '5,-2'"),
    (options.int_list, ",", "expected positive integers, got ','"),
    (options.int_list, "a,b", "expected comma-separated integers, got 'a,b'"),
])
def test_values_refused_in_one_line(parse, text, message):
    with pytest.raises(argparse.ArgumentTypeError) as caught:
        parse(text)
    assert str(caught.value) == message


def test_dataset_names_in_any_case_and_spelling_and_npz_files():
    assert options.dataset_name("Fashion_MNIST") == "fashion-mnist"
    assert options.dataset_name("fashion-mnist") == "fashion-mnist"
    assert options.dataset_name("mine.NPZ") == "mine.NPZ"
    assert options.dataset_name("data/x_y.npz") == "data/x_y.npz"
    with pytest.raises(argparse.ArgumentTypeError) as caught:
        options.dataset_name("fashion mnist")
    assert str(caught.value) == (f"unknown dataset 'fashion mnist'; valid: {', '.join(sorted(DATASETS))}, "
                                 "or a .npz file")


def test_initializers_by_name_or_with_their_scale():
    assert options.initializer("He_Normal") == "he_normal"
    assert options.initializer("Normal:0.05") == "normal:0.05"
    assert options.initializer("uniform:1e-3") == "uniform:1e-3"
    valid = f"valid: {', '.join(init.names())}, normal:STD, uniform:BOUND"
    for text, message in [
        ("normal:0", "normal:0: the standard deviation must be a number > 0"),
        ("normal:0.1:2", "normal:0.1:2: the standard deviation must be a number > 0"),
        ("uniform:x", "uniform:x: the bound must be a number > 0"),
        ("he:3", f"unknown initializer 'he:3'; {valid}"),
        ("Gauss", f"unknown initializer 'Gauss'; {valid}"),
    ]:
        with pytest.raises(argparse.ArgumentTypeError) as caught:
            options.initializer(text)
        assert str(caught.value) == message
