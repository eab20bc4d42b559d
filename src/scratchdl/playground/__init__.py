"""``scratchdl playground``: a local page where a small network learns live, computed by scratchdl.

- ``schema``: the settings a page may send, checked (tables of names -> constructors, bounded numbers).
- ``session``: ``Session``, one training in plain Python (a test drives it without a browser).
- ``views``: what the page draws -- decision boundary, per-layer gradient norms, activation
  histograms, saturated and dead shares, every hidden unit's map.
- ``code_view``: a layer's ``forward``/``backward`` source, for allow-listed classes, and its formula.
- ``as_code``: the setting as a ``scratchdl train`` line and as a short Python script.
- ``runner``: the one training thread of a server and its rate-limited frames.
- ``server``: ``PlaygroundServer``, standard-library HTTP with Server-Sent Events, on 127.0.0.1.
- ``static/``: the page (HTML, JavaScript, CSS), shipped in the package; it loads nothing from elsewhere.
"""

from .session import Session

__all__ = ["Session"]
