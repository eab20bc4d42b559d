"""What every experiment shares: its result object, bilingual text, and figure saving.

An experiment is a module with ``NAME``, ``TITLE`` and ``CLAIM`` (each ``{"en": ..., "ja": ...}``),
its ``STATEMENTS``, ``PANELS`` and ``CHECKS`` (see ``evidence``), and
``run(out_dir, quick=False, lang="en", seed=0) -> ExperimentResult``. It measures the claim on real
runs, stores the key numbers in ``numbers``, writes its figures as PNG into ``out_dir``, and words
``notes`` (one finding per panel) and ``checks`` (per tested statement, whether the numbers bear it
out) from the numbers alone.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic import write_atomic
from ..plotting import pyplot  # noqa: F401  (experiments draw through base.pyplot)


@dataclass
class ExperimentResult:
    """The measured outcome of one experiment."""

    name: str
    title: str
    claim: str
    numbers: dict = field(default_factory=dict)
    figures: list[Path] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    checks: dict[str, bool] = field(default_factory=dict)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)  # findings worded from the numbers of this run
    figure_info: list[dict] = field(default_factory=list)  # per figure: size, dpi, smallest font (figures.py)
    lang: str = "en"

    def as_dict(self) -> dict:
        return {
            "name": self.name, "title": self.title, "claim": self.claim, "numbers": self.numbers,
            "figures": [str(p) for p in self.figures], "captions": self.captions,
            "checks": self.checks, "seconds": self.seconds, "notes": self.notes,
            "figure_info": self.figure_info, "lang": self.lang,
        }

    def _repr_html_(self) -> str:
        """Jupyter's view of the result: title, claim, figures, findings, checks, raw numbers folded."""
        from .notebook import result_html

        return result_html(self)


def start(name: str, title: dict, claim: dict, out_dir, lang: str) -> tuple[ExperimentResult, Path, float]:
    """The opening every experiment's ``run`` shares: its empty result in ``lang``, its output
    folder (created), and the start time for ``result.seconds``."""
    import time

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    result = ExperimentResult(name, pick(lang, title), pick(lang, claim), lang=lang)
    return result, out_dir, time.perf_counter()


def save_figure(fig, out_dir, filename: str, result: ExperimentResult, caption: str) -> Path:
    """Write ``fig`` as PNG atomically (every text at least the report's smallest font, at the
    report's dpi; see ``figures``), then, for the report (``figures.phone_renditions``), its phone
    rendition beside it (``NAME.phone.png``, under ``"phone"`` in its info), close it, and list it,
    with its caption and its size, dpi and smallest font, on ``result``."""
    from . import figures

    path = Path(out_dir) / filename
    with figures.style(result.lang) as plt:
        figures.enforce_floor(fig, result.lang)
        fig.tight_layout()
        write_atomic(path, lambda tmp: fig.savefig(tmp, format="png", dpi=figures.DPI))
        info = figures.figure_info(fig)
        phone = figures.phone_path(path)
        if figures.making_phone_renditions() and (phone_info := figures.save_phone(fig, phone)):
            info["phone"] = {"file": phone.name, **phone_info}
        plt.close(fig)
    result.figures.append(path)
    result.captions.append(caption)
    result.figure_info.append(info)
    return path


@contextmanager
def single_threaded():
    """A context in which NumPy's BLAS and scratchdl's own block threads use one thread, so that
    timings on a shared machine compare like with like (many threads on few busy cores make small
    matrix products slow and noisy). ``nn.blocks`` is held to one thread too: otherwise ``matmul``
    hands an MLP's products back to BLAS's threads, whose spinning on a loaded machine made each
    small product take milliseconds."""
    from ..nn import blocks

    saved, blocks.NUM_THREADS = blocks.NUM_THREADS, 1
    try:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
            yield
            return
        with threadpool_limits(limits=1):
            yield
    finally:
        blocks.NUM_THREADS = saved


def pick(lang: str, text: dict) -> str:
    """``text[lang]``: the English or Japanese version of a label, title or sentence."""
    return text[lang] if lang in text else text["en"]
