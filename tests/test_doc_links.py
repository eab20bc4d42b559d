"""Every relative link of the READMEs and docs (Markdown ``[text](path)``, and a path written as code
that climbs out with ``../``) points at a file or folder inside the repository: a clone has nothing else."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
DOCS = sorted([*ROOT.glob("README*.md"), *ROOT.glob("docs/**/*.md"), *ROOT.glob("notebooks/*.md"),
               *ROOT.glob("benchmarks/*.md")])
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)|<(?:a|img)\s[^>]*(?:href|src)=\"([^\"]+)\"")
CLIMBING_CODE = re.compile(r"`(\.\./[^`\s]*)`")


def relative_targets(text: str) -> list[str]:
    """The link targets of ``text`` that are paths (no scheme, no bare #anchor), without their #anchor,
    and the ``../`` paths written as code."""
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    targets = [a or b for a, b in LINK.findall(text)] + CLIMBING_CODE.findall(text)
    paths = [t.split("#", 1)[0] for t in targets if not re.match(r"[a-z][a-z0-9+.-]*:|#", t)]
    return [p for p in paths if p]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves_inside_the_repository(doc):
    for target in relative_targets(doc.read_text(encoding="utf-8")):
        resolved = (doc.parent / target).resolve()
        assert resolved.is_relative_to(ROOT.resolve()), f"{doc.name} links {target}, outside the repository"
        assert resolved.exists(), f"{doc.name} links {target}, which does not exist"


def test_the_checker_finds_links_code_paths_and_skips_urls():
    text = ("[a](../README.md) ![f](report/x.png \"t\") [w](https://example.com) [s](#top) "
            "`../shared/seed/` <a href=\"docs/y.md#part\">y</a>\n```\n[no](in/code.md)\n```")
    assert relative_targets(text) == ["../README.md", "report/x.png", "docs/y.md", "../shared/seed/"]
