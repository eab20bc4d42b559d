"""The bounds script runs end to end on tiny batches and reports both tables. No timing is asserted."""

from __future__ import annotations

import math

from benchmark_scripts import load_script


def test_the_script_reports_products_and_conv_floors(capsys):
    report = load_script("bounds").main(["--repeats", "1", "--batch", "2"])
    printed = capsys.readouterr().out
    assert len(report["products"]) == 8            # 3 forward, 3 dL/dW, 2 dL/dx (the input needs none)
    assert len(report["convs"]) == 3
    for row in report["products"] + report["convs"]:
        assert all(math.isfinite(v) and v >= 0 for k, v in row.items() if k.endswith(("_ms", "gflop")))
    assert "W2's products" in printed and "| **all** |" in printed and "Conv2d 16->32 3x3 on 14x14" in printed


def test_the_products_are_those_of_a_w2_step():
    products = load_script("bounds").w2_products(4)
    shapes = [(a.shape, b.shape) for _, a, b in products]
    assert ((4, 784), (784, 1024)) in shapes and ((1024, 4), (4, 1024)) in shapes   # x W, x^T delta
    assert ((4, 1024), (1024, 1024)) in shapes                                      # delta W^T
    assert not any(a.shape == (4, 1024) and b.shape == (1024, 784) for (_, a, b) in products)  # no dL/dx


def test_threads_below_one_is_refused(capsys):
    import pytest

    with pytest.raises(SystemExit) as stop:
        load_script("bounds").main(["--threads", "0"])
    assert stop.value.code == 2
    assert "--threads must be at least 1, got 0" in capsys.readouterr().err
