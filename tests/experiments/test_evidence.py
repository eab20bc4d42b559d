"""``evidence``: a topic's statements, panels and checks turn a run's numbers into its checks and findings."""

import numpy as np

from scratchdl.experiments import evidence
from scratchdl.experiments.base import ExperimentResult, single_threaded
from scratchdl.nn import blocks

STATEMENTS = [evidence.Statement("a", {"en": "A holds.", "ja": "A が成り立つ。"}),
              evidence.Statement("b", {"en": "B too.", "ja": "B も。"})]
PANELS = [evidence.Panel("left", "f.png", {"en": "Left", "ja": "左"},
                         lambda n, lang: evidence.pct(n["accuracy"]) + (" (ja)" if lang == "ja" else ""))]
CHECKS = [evidence.Check("a", {"en": "after {epochs} epochs above 90%", "ja": "{epochs} エポック後に 90% 超"},
                         "a", ("left",), lambda n: n["accuracy"] > 0.9),
          evidence.Check("b", {"en": "b", "ja": "b"}, "b", (), lambda n: n["loss"] < 1, full_only=True)]


def test_the_claim_is_the_statements_in_order():
    assert evidence.claim(STATEMENTS) == {"en": "A holds. B too.", "ja": "A が成り立つ。B も。"}


def test_conclude_words_checks_and_findings_from_the_plain_numbers():
    result = ExperimentResult("t", "T", "C", numbers={"accuracy": np.float32(0.95), "epochs": np.int64(3),
                                                     "loss": 2.0}, lang="ja")
    evidence.conclude(result, PANELS, CHECKS, quick=False)
    assert result.checks == {"3 エポック後に 90% 超": True, "b": False}
    assert result.notes == ["左: 95.0% (ja)"]
    evidence.conclude(result, PANELS, CHECKS, quick=True)  # a quick run leaves the full-size checks out
    assert list(result.checks) == ["3 エポック後に 90% 超"]


def test_lists_and_percentages_as_each_language_writes_them():
    assert evidence.listing("en", ["a 1", "b 2"]) == "a 1, b 2"
    assert evidence.listing("ja", ["a 1", "b 2"]) == "a 1、b 2"
    assert evidence.pct(0.9531) == "95.3%" and evidence.pct(None) == "–"


def test_single_threaded_holds_the_block_threads_to_one_and_gives_them_back():
    threads = blocks.NUM_THREADS
    try:
        with single_threaded():
            assert blocks.NUM_THREADS == 1
            raise RuntimeError("a topic that fails")
    except RuntimeError:
        pass
    assert threads == blocks.NUM_THREADS
