"""``benchmarks/playground_soak.py`` runs (a few seconds of it): the server, the page, the actions, the
summary, which flags memory that grows."""

import sys
from pathlib import Path

import pytest
from benchmark_scripts import load_script

sys.path.insert(0, str(Path(__file__).parents[1] / "playground"))
from browser import unavailable  # noqa: E402


@pytest.mark.slow
@pytest.mark.skipif(unavailable() is not None, reason=str(unavailable()))
def test_a_short_soak(tmp_path, capsys):
    soak = load_script("playground_soak")
    status = soak.main(["--minutes", "0.25", "--sample-seconds", "1", "--act-seconds", "1.5",
                        "--json", str(tmp_path / "soak.json")])
    out = capsys.readouterr().out
    assert "server RSS:" in out and "frames: median" in out and "exit status 0" in out
    assert status == 0
    assert (tmp_path / "soak.json").exists()


def test_the_summary_flags_growing_memory():
    soak = load_script("playground_soak")
    samples = [{"seconds": s, "rss_mib": 100 + s, "frames": 5 * s, "since_frame_s": 0, "epochs_total": s}
               for s in range(0, 100, 5)]
    summary = soak.summarize(samples, warmup_seconds=20)
    assert not summary["within_20_percent"] and summary["median_fps"] == 5
    flat = soak.summarize([{**s, "rss_mib": 100} for s in samples], warmup_seconds=20)
    assert flat["within_20_percent"]
