"""The scratchdl.common benchmark runs: alone when no copy of the book is given (the comparison skipped,
with a message), and, with ``SCRATCHDL_BOOK_PATH``, against the book's common on a tiny network, the
losses equal. No timing is asserted."""

import os
from pathlib import Path

import pytest
from benchmark_scripts import load_script

TINY = ["--batch", "3", "--iterations", "1", "--warmup", "1", "--repeats", "1", "--train-size", "8",
        "--filters", "2", "--hidden", "3"]


def test_without_the_book_only_scratchdl_common_is_timed(capsys, tmp_path):
    report = load_script("common_convnet").main([*TINY, "--json", str(tmp_path / "out.json")])
    printed = capsys.readouterr().out
    assert "the comparison is skipped" in printed and "| scratchdl |" in printed and "| book |" not in printed
    assert report["book"] is None and report["scratchdl"]["ms_per_iteration"] > 0
    assert (tmp_path / "out.json").is_file()


def test_a_folder_without_the_books_common_is_refused(tmp_path):
    with pytest.raises(SystemExit, match="has no common/layers.py"):
        load_script("common_convnet").main([*TINY, "--book-path", str(tmp_path)])


@pytest.mark.skipif(not os.environ.get("SCRATCHDL_BOOK_PATH"), reason="SCRATCHDL_BOOK_PATH is not set")
def test_against_the_books_common_the_losses_agree(capsys):
    book = str(Path(os.environ["SCRATCHDL_BOOK_PATH"]))
    report = load_script("common_convnet").main([*TINY, "--book-path", book])
    assert report["max_loss_difference"] <= 1e-10 and report["speedup"] > 0
    assert "| book |" in capsys.readouterr().out
