"""``import common`` resolving to scratchdl's modules: an import hook (a finder on
``sys.meta_path``) that answers for the book's module names with scratchdl's module objects.

``common.layers`` *is* ``scratchdl.common.layers`` (the same module object, so a class imported
either way is the same class); ``common`` and ``dataset`` are small packages made for the purpose,
whose attributes are their submodules. The hook sits at the front of ``sys.meta_path``, ahead of a
``common/`` folder of the learner's own. A second, last hook answers for ``simple_convnet`` only
when nothing on the path does, so a ``simple_convnet.py`` of the learner's own still wins.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types
import warnings

from ..errors import ConfigError

#: the book's module names -> scratchdl's (``functions`` is chosen by ``install``)
MODULES = {
    "common.layers": "scratchdl.common.layers",
    "common.optimizer": "scratchdl.common.optimizer",
    "common.util": "scratchdl.common.util",
    "common.gradient": "scratchdl.common.gradient",
    "common.multi_layer_net": "scratchdl.common.multi_layer_net",
    "common.multi_layer_net_extend": "scratchdl.common.multi_layer_net_extend",
    "common.trainer": "scratchdl.common.trainer",
    "dataset.mnist": "scratchdl.common.mnist",
}
FUNCTIONS = {"book": "scratchdl.common.functions", "course": "scratchdl.functions"}
PACKAGES = ("common", "dataset")
FALLBACKS = {"simple_convnet": "scratchdl.common.simple_convnet"}


class AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds the names in ``targets`` (name -> scratchdl module, or None for a made package)."""

    def __init__(self, targets: dict):
        self.targets = targets
        self.own_specs = {}  # alias name -> the spec of the scratchdl module it is being imported as

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self.targets:
            return None
        is_package = self.targets[fullname] is None
        return importlib.util.spec_from_loader(fullname, self, is_package=is_package)

    def create_module(self, spec):
        target = self.targets[spec.name]
        if target is not None:
            module = importlib.import_module(target)  # the module object itself, under a second name
            self.own_specs[spec.name] = module.__spec__
            return module
        package = types.ModuleType(spec.name, f"The book's {spec.name} package, from scratchdl.common.")

        def submodule(name):                          # ``common.layers`` without importing it first
            if name.startswith("__") or f"{spec.name}.{name}" not in self.targets:
                raise AttributeError(f"module {spec.name!r} has no attribute {name!r}")
            return importlib.import_module(f"{spec.name}.{name}")

        package.__getattr__ = submodule
        return package

    def exec_module(self, module):
        """Nothing to run: the module was made (or imported) by ``create_module``. Importing under the
        second name gave scratchdl's module that name's spec; give it back its own, so that its relative
        imports (``from .errors import ...``) and ``importlib.reload`` still see ``scratchdl``."""
        if (own := self.own_specs.pop(module.__spec__.name, None)) is not None:
            module.__spec__ = own


def _aliased(module) -> bool:
    return isinstance(getattr(module, "__loader__", None), AliasFinder) or \
        getattr(module, "__name__", "").startswith("scratchdl.")


def _forget_modules() -> list[str]:
    """Drop ``common``, ``dataset`` and their submodules from ``sys.modules``, and ``simple_convnet``
    when it is ours; return the names that were the learner's own (imported before ``install``)."""
    foreign = []
    for name in list(sys.modules):
        if name.split(".")[0] in PACKAGES:
            if not _aliased(sys.modules.pop(name)):
                foreign.append(name)
        elif name in FALLBACKS and _aliased(sys.modules[name]):
            del sys.modules[name]
    return foreign


def _remove_finders() -> None:
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, AliasFinder)]


def uninstall() -> None:
    """Undo ``install``: the book's names are looked for on the path again."""
    _remove_finders()
    _forget_modules()


def install(functions: str = "book") -> None:
    """Make ``import common`` (and ``common.layers``, ``common.functions``, ..., ``dataset.mnist``)
    resolve to scratchdl's modules, and ``simple_convnet`` too when you have none of your own.

    ``functions`` picks what ``common.functions`` is: ``"book"`` (``scratchdl.common.functions``,
    "Deep Learning from Scratch": ``cross_entropy_error(y, t)``, output first) or ``"course"``
    (``scratchdl.functions``, the course's study-report exercises: ``cross_entropy_error(d, y)``,
    target first, ``print_vec``, ``d_relu``, ...). The layers and networks use the book's
    functions either way, and ``from common.layers import *`` brings them along, as the book's
    ``layers.py`` does. Calling ``install`` again switches; ``uninstall()`` undoes it.
    Call it before the first ``import common``: names imported earlier stay what they were.
    """
    if functions not in FUNCTIONS:
        raise ConfigError(f"scratchdl.common.install: unknown functions {functions!r}; valid: 'book' (the "
                          f"book's cross_entropy_error(y, t)) or 'course' (the course's (d, y))")
    _remove_finders()
    foreign = _forget_modules()
    if foreign:
        warnings.warn(f"scratchdl.common.install: {', '.join(sorted(foreign))} had already been imported "
                      f"from your own files; from now on they are scratchdl's, but names imported before "
                      f"this line keep the old ones. Put the install() line first.", stacklevel=2)
    targets = {name: None for name in PACKAGES} | MODULES | {"common.functions": FUNCTIONS[functions]}
    sys.meta_path.insert(0, AliasFinder(targets))
    sys.meta_path.append(AliasFinder(dict(FALLBACKS)))
