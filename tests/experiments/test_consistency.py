"""Every topic's claim, figures, findings and checks agree, and the consistency table in docs/ says so.

Nothing is trained here: the declarations are read from the topic modules, the checks and findings
are re-evaluated on the numbers recorded by ``benchmarks/report_seeds.py`` (docs/report-seeds.json,
every topic at full size for seeds 0, 1, 2) and by the committed full report (docs/report/results.json).
"""

import json
from pathlib import Path

import pytest

from scratchdl.experiments import consistency, evidence

ROOT = Path(__file__).parents[2]
SEEDS = [0, 1, 2]
TOPICS = consistency.topics()


@pytest.fixture(scope="module")
def record():
    return json.loads((ROOT / "docs" / "report-seeds.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def report():
    results = json.loads((ROOT / "docs" / "report" / "results.json").read_text(encoding="utf-8"))
    return {e["name"]: e for e in results["experiments"]}


@pytest.mark.parametrize(("name", "module"), TOPICS, ids=[name for name, _ in TOPICS])
def test_every_statement_and_every_panel_has_a_check(name, module):
    assert consistency.problems(module) == []
    assert module.STATEMENTS and module.PANELS and module.CHECKS


def test_problems_names_what_is_out_of_step():
    class Topic:
        STATEMENTS = [evidence.Statement("a", {"en": "A.", "ja": "A。"}),
                      evidence.Statement("b", {"en": "B.", "ja": "B。"})]
        PANELS = [evidence.Panel("left", "f.png", {"en": "left", "ja": "左"}, lambda n, lang: "1"),
                  evidence.Panel("right", "f.png", {"en": "right", "ja": "右"}, lambda n, lang: "2")]
        CHECKS = [evidence.Check("x", {"en": "x", "ja": "x"}, "a", ("left", "middle"), lambda n: True)]
        CLAIM = {"en": "A.", "ja": "A。"}

    assert sorted(consistency.problems(Topic)) == sorted([
        "check 'x' reads unknown panel 'middle'", "statement 'b' has no check", "panel 'right' has no check",
        "CLAIM is not claim(STATEMENTS)"])


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_table_in_docs_is_generated_from_the_code_and_the_record(record, lang):
    path = ROOT / "docs" / consistency.FILES[lang]
    assert path.read_text(encoding="utf-8") == consistency.table(record, lang), (
        "stale: python -m scratchdl.experiments.consistency docs/report-seeds.json docs")


@pytest.mark.parametrize(("name", "module"), TOPICS, ids=[name for name, _ in TOPICS])
def test_every_check_held_on_three_seeds_at_full_size(record, name, module):
    recorded = record["topics"].get(name)
    assert recorded is not None, f"{name}: not recorded; run benchmarks/report_seeds.py --only {name}"
    assert sorted(int(s) for s in recorded) == SEEDS
    for seed, run in recorded.items():
        assert run["checks"] == {c.key: bool(c.holds(run["numbers"])) for c in module.CHECKS}, (
            f"{name} seed {seed}: checks changed since the recorded run (rerun benchmarks/report_seeds.py)")
    assert consistency.held_on(module, recorded) == {c.key: SEEDS for c in module.CHECKS}
    assert {seed: run["layout_problems"] for seed, run in recorded.items()} == {str(s): [] for s in SEEDS}


@pytest.mark.parametrize(("name", "module"), TOPICS, ids=[name for name, _ in TOPICS])
def test_every_panel_has_a_finding_with_its_numbers(record, name, module):
    for run in record["topics"][name].values():
        for lang in ("en", "ja"):
            for panel in module.PANELS:
                text = evidence.finding_text(panel, run["numbers"], lang)
                assert any(ch.isdigit() for ch in text.partition(": ")[2]), (name, panel.key, text)


@pytest.mark.parametrize(("name", "module"), TOPICS, ids=[name for name, _ in TOPICS])
def test_the_committed_report_shows_every_panel_finding_and_check(report, name, module):
    entry = report[name]
    numbers = entry["numbers"]
    assert entry["claim"] == module.CLAIM["en"]
    assert sorted({Path(f).name for f in entry["figures"]}) == sorted({p.figure for p in module.PANELS})
    assert entry["notes"] == [evidence.finding_text(p, numbers, "en") for p in module.PANELS]
    expected = {evidence.check_text(c, numbers, "en"): bool(c.holds(numbers)) for c in module.CHECKS}
    assert entry["checks"] == expected
