"""Open a ``report.html`` in headless Chromium at a given width and measure what a reader sees.

``measure(html_path, width)`` copies the page, lets an inline script run in it (the page's
Content-Security-Policy still forbids every request but data: images, and any attempt is recorded
as a ``securitypolicyviolation``), loads it with ``chromium --headless --dump-dom`` in an iframe
``width`` x 900 px (a headless window cannot be narrower than 500 px), and returns what the
script found (posted to the frame's parent):

- ``innerWidth`` and ``scrollWidth`` of the page (horizontal overflow when scrollWidth > innerWidth),
- per image: loaded (``complete`` and ``naturalWidth > 0``), rendered CSS width, natural width, and
  the effective size in CSS px of the figure's smallest text, ``min_font_pt * rendered / (72 *
  width_in)`` from the figure's ``data-min-font-pt`` / ``data-width-in`` (see
  ``scratchdl.experiments.figures``), taken from the rendition shown (``phone``: a ``<picture>``'s
  ``<source>`` whose media matches),
- per table box (``.table-wrap``): its scroll and client widths, the room its scrollbar takes, and its
  background (the scroll shadows),
- per figure opened full size (its link's ``#fig-...`` target): rendered width and effective size,
- the smallest computed font size of the page's own text,
- every resource the page fetched (``performance`` entries) and every request the policy blocked.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

SCRIPT = r"""
<script>
(function () {
  const blocked = [];
  document.addEventListener("securitypolicyviolation",
                            e => blocked.push(e.blockedURI + " " + e.violatedDirective));
  function report() {
    // The rendition the browser shows: a <picture>'s <source> whose media matches, else the <img>.
    function shown(img) {
      const picture = img.parentElement.tagName === "PICTURE" ? img.parentElement : null;
      const source = picture && Array.from(picture.querySelectorAll("source"))
                                     .find(s => window.matchMedia(s.media).matches);
      return source ? {data: source.dataset, phone: true} : {data: img.dataset, phone: false};
    }
    const images = Array.from(document.images).map(img => {
      const rect = img.getBoundingClientRect();
      const {data, phone} = shown(img);
      const pt = parseFloat(data.minFontPt), inches = parseFloat(data.widthIn);
      return {alt: img.alt.slice(0, 60), complete: img.complete, naturalWidth: img.naturalWidth,
              rendered: rect.width, minFontPt: pt, widthIn: inches, dpi: parseFloat(data.dpi), phone: phone,
              aspectError: Math.abs(rect.height / rect.width - img.naturalHeight / img.naturalWidth),
              effectivePx: pt * rect.width / (72 * inches)};
    });
    const tables = Array.from(document.querySelectorAll(".table-wrap")).map(wrap => {
      const style = getComputedStyle(wrap);
      return {caption: wrap.textContent.trim().slice(0, 40), scrollWidth: wrap.scrollWidth,
              clientWidth: wrap.clientWidth, scrollbarPx: wrap.offsetHeight - wrap.clientHeight,
              attachment: style.backgroundAttachment, background: style.backgroundImage};
    });
    let smallestText = Infinity, smallestWhat = "";
    for (const el of document.body.querySelectorAll("*")) {
      if (el.closest("figure:not(:target) .close") || el.closest("math")) continue;
      const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
      if (!own || el.getClientRects().length === 0) continue;
      const size = parseFloat(getComputedStyle(el).fontSize);
      if (size < smallestText) {
        smallestText = size;
        smallestWhat = el.tagName + ": " + el.textContent.trim().slice(0, 40);
      }
    }
    const page = {innerWidth: window.innerWidth, scrollWidth: document.documentElement.scrollWidth,
                  bodyScrollWidth: document.body.scrollWidth};
    const zoomed = [];  // each figure opened full size (its link targets the figure: CSS :target)
    for (const fig of document.querySelectorAll("figure[id]")) {
      location.hash = "#" + fig.id;
      const img = fig.querySelector("img");
      const width = img.getBoundingClientRect().width;
      const data = shown(img).data;
      const pt = parseFloat(data.minFontPt), inches = parseFloat(data.widthIn);
      zoomed.push({id: fig.id, rendered: width, fixed: getComputedStyle(fig).position === "fixed",
                   effectivePx: pt * width / (72 * inches)});
    }
    history.replaceState(null, "", location.pathname);
    const resources = performance.getEntriesByType("resource").map(e => e.name)
                                 .filter(n => !n.startsWith("data:"));
    const out = {...page, images: images, tables: tables, zoomed: zoomed, smallestTextPx: smallestText,
                 smallestText: smallestWhat, resources: resources, blocked: blocked};
    window.parent.postMessage(JSON.stringify(out), "*");
  }
  window.addEventListener("load", () => setTimeout(report, 50));
})();
</script>
"""

FRAME = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0">
<iframe src="page.html" width="{width}" height="900" style="border:0;display:block"></iframe>
<script>
window.addEventListener("message", e => {{
  const pre = document.createElement("pre");
  pre.id = "browser-check";
  pre.textContent = e.data;
  document.body.appendChild(pre);
}});
</script></body></html>
"""

CSP = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')


def chromium() -> str | None:
    """The Chromium binary, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def instrument(html: str) -> str:
    """The page with the measuring script added and inline scripts allowed (nothing else)."""
    match = CSP.search(html)
    if match is None:
        raise AssertionError("report.html has no Content-Security-Policy meta")
    policy = match.group(1) + "; script-src 'unsafe-inline'"
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
    html = html[:match.start()] + meta + html[match.end():]
    return html.replace("</body>", SCRIPT + "</body>", 1)


def measure(html_path, width: int, timeout: float = 120, scrollbars: bool = False) -> dict:
    """Load ``html_path`` in headless Chromium ``width`` px wide; the measurements as a dict.

    Scrollbars are hidden, as a phone's overlay scrollbars take no room, unless ``scrollbars``."""
    binary = chromium()
    if binary is None:
        raise FileNotFoundError("chromium")
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "page.html"
        page.write_text(instrument(Path(html_path).read_text(encoding="utf-8")), encoding="utf-8")
        frame = Path(tmp) / "frame.html"  # an iframe ``width`` px wide: a window can't be narrower than 500
        frame.write_text(FRAME.format(width=width), encoding="utf-8")
        command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                   *([] if scrollbars else ["--hide-scrollbars"]), "--no-first-run", "--disable-extensions",
                   "--disable-sync",
                   "--disable-background-networking", "--host-resolver-rules=MAP * ~NOTFOUND",
                   f"--user-data-dir={tmp}/profile", f"--window-size={max(width, 1280) + 40},1000",
                   "--virtual-time-budget=10000", "--allow-file-access-from-files",
                   "--dump-dom", frame.as_uri()]
        env = {**os.environ, "HOME": tmp}
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    found = re.search(r'<pre id="browser-check">(.*?)</pre>', done.stdout, re.S)
    if found is None:
        raise RuntimeError(f"no measurement from chromium (exit {done.returncode}): {done.stderr[-2000:]}")
    return json.loads(html.unescape(found.group(1)))
