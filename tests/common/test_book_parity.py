"""With a copy of the book's repository at hand (``SCRATCHDL_BOOK_PATH``: the folder holding its
``common/`` and ``ch07/``), the book-style flows of book_flows.py print the same numbers, float64 and
seeded, with the book's own ``common`` and with scratchdl's after ``install()``, to 1e-10. Skipped
without a copy: scratchdl ships none of the book's code."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

BOOK = os.environ.get("SCRATCHDL_BOOK_PATH")
FLOWS = Path(__file__).with_name("book_flows.py")


def run_flows(*args, pythonpath: str) -> dict:
    env = dict(os.environ, PYTHONPATH=pythonpath)
    done = subprocess.run([sys.executable, str(FLOWS), *args], env=env, capture_output=True, text=True,
                          timeout=600, cwd=FLOWS.parent.parent)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.slow
@pytest.mark.skipif(not BOOK, reason="SCRATCHDL_BOOK_PATH (a copy of the book's repository) is not set")
def test_the_books_common_and_scratchdl_common_print_the_same_numbers():
    book_path = Path(BOOK)
    assert (book_path / "common" / "layers.py").is_file(), f"{book_path} has no common/layers.py"
    ours_path = os.pathsep.join([str(Path(__file__).parents[2] / "src"), os.environ.get("PYTHONPATH", "")])
    book = run_flows(pythonpath=os.pathsep.join([str(book_path), str(book_path / "ch07")]))
    ours = run_flows("--scratchdl", pythonpath=ours_path)
    assert book.keys() == ours.keys() and len(book) > 200
    for key in book:
        np.testing.assert_allclose(ours[key], book[key], rtol=0, atol=1e-10, err_msg=key)
