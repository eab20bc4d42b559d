"""The study report's topics as measured experiments: ``run(name, out_dir)`` runs one.

Each experiment is a module with ``NAME``, ``TITLE``, ``CLAIM``, its ``STATEMENTS``, ``PANELS`` and
``CHECKS`` (see ``evidence``; a new topic is one more entry in ``EXPERIMENTS``, and
``docs/report-consistency.md`` lists them all) and
``run(out_dir, quick=False, lang="en", seed=0) -> ExperimentResult``; see ``base``. Modules are
imported only when used, so a missing or broken one fails only when it is run.

    from scratchdl import experiments
    result = experiments.run("activations", "out/activations", quick=True, lang="ja")
    result.numbers["max sigmoid'(z)"]      # 0.25
    experiments.write_report("out")        # every topic, report.md + report.html
"""

from __future__ import annotations

import importlib
from types import ModuleType

from ..errors import unknown_name
from ..lang import LANGS
from .base import ExperimentResult

# CLI name -> module, in the order of the study report's topics.
EXPERIMENTS = {
    "activations": "activations",
    "learning-rate": "learning_rate",
    "sgd": "sgd",
    "optimizers": "optimizers",
    "vanishing-gradient": "vanishing_gradient",
    "weight-init": "weight_init",
    "batch-norm": "batch_norm",
    "universal-approximation": "universal_approximation",
    "generative-vs-discriminative": "generative_vs_discriminative",
    "backprop": "backprop",
    "autograd": "computational_graph",
    "cnn": "cnn",
}


def names() -> list[str]:
    """The experiment names, in the report's order."""
    return list(EXPERIMENTS)


def load(name: str) -> ModuleType:
    """The module of experiment ``name`` (``ConfigError`` for an unknown name)."""
    key = str(name).lower().replace("_", "-")
    if key not in EXPERIMENTS:
        raise unknown_name("experiment", name, EXPERIMENTS)
    return importlib.import_module(f"{__name__}.{EXPERIMENTS[key]}")


def run(name: str, out_dir, quick: bool = False, lang: str = "en", seed: int = 0) -> ExperimentResult:
    """Run experiment ``name``, writing its figures into ``out_dir``; returns its measured result.

    Ctrl-C stops it as a whole (``KeyboardInterrupt``), even inside one of its training runs."""
    from ..train import raise_on_interrupt

    if lang not in LANGS:
        raise unknown_name("language", lang, LANGS)
    with raise_on_interrupt():
        return load(name).run(out_dir, quick=quick, lang=lang, seed=seed)


def write_report(out_dir, quick: bool = False, lang: str = "en", names=None, seed: int = 0, on_result=None):
    """Run the experiments and write ``report.md``, ``report.html`` and ``results.json``; see ``report``."""
    from .report import write_report as write

    return write(out_dir, quick=quick, lang=lang, names=names, seed=seed, on_result=on_result)


__all__ = ["EXPERIMENTS", "ExperimentResult", "load", "names", "run", "write_report"]
