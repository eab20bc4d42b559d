"""How an experiment's result shows in Jupyter: one HTML block, figures embedded (no files to serve)."""

from __future__ import annotations

import base64
import html
from pathlib import Path


def image_tag(path, alt: str) -> str:
    """An ``<img>`` with the PNG at ``path`` inlined as a data URI, as wide as the cell allows."""
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return (f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}" '
            'style="max-width:100%;height:auto">')


def result_html(result) -> str:
    """``result`` (an ``ExperimentResult``) as HTML: what a notebook cell shows when it is the last value."""
    parts = [f"<h3>{html.escape(result.title)}</h3>", f"<p><b>{html.escape(result.claim)}</b></p>"]
    for path, caption in zip(result.figures, result.captions, strict=False):
        parts.append(f"<figure>{image_tag(path, caption)}<figcaption>{html.escape(caption)}</figcaption></figure>")
    if result.notes:
        parts.append("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in result.notes) + "</ul>")
    parts.append("<ul>" + "".join(
        f"<li>{'✓' if ok else '✗'} {html.escape(text)}</li>" for text, ok in result.checks.items()) + "</ul>")
    from .report import rows

    table = "".join(f"<tr><td>{html.escape(key)}</td><td>{html.escape(value)}</td></tr>"
                    for key, value in rows(result.numbers, lang=result.lang))
    summary = "測定値" if result.lang == "ja" else "numbers"
    parts.append(f"<details><summary>{summary} ({result.seconds:.1f} s)</summary><table>{table}</table></details>")
    return "\n".join(parts)
