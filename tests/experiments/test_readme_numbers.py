"""The numbers the README quotes are the ones a run of ``scratchdl report`` wrote."""

import json
from pathlib import Path

from scratchdl import experiments
from scratchdl.experiments.readme import BEGIN, END, summary, update

ROOT = Path(__file__).parents[2]


def test_readme_block_is_generated_from_the_committed_report():
    results = json.loads((ROOT / "docs/report/results.json").read_text(encoding="utf-8"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split(BEGIN)[1].split(END)[0].strip()
    assert block == summary(results).strip()
    assert not results["quick"] and not results["failed"]
    assert [e["name"] for e in results["experiments"]] == experiments.names()  # every topic, in order


def test_update_rewrites_only_the_block(tmp_path):
    results = {"quick": True, "seed": 1, "generated": "today", "total_seconds": 3.0, "experiments": [
        {"name": "x", "title": "X", "seconds": 1.0, "checks": {"a holds": True, "b holds": False},
         "numbers": {"ratio": 0.123456, "nested": {"k": 1}}, "notes": ["Found 2."]}]}
    (tmp_path / "r.json").write_text(json.dumps(results))
    (tmp_path / "README.md").write_text(f"top\n{BEGIN}\nstale text\n{END}\nbottom\n")
    text = update(tmp_path / "r.json", tmp_path / "README.md")
    assert text.startswith("top\n") and text.endswith(f"{END}\nbottom\n")
    assert "ratio = 0.1235" in text and "✓ a holds" in text and "✗ b holds" in text
    assert "nested" not in text and "stale text" not in text and "Found 2." in text
