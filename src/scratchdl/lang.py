"""The language of what scratchdl prints and writes: ``en`` or ``ja``.

``--lang`` wins; without it, ``SCRATCHDL_LANG`` (``ja`` or ``en``), then the locale
(``LC_ALL``, ``LC_MESSAGES``, ``LANG``: ``ja_JP.UTF-8`` gives ``ja``), then English.
"""

from __future__ import annotations

import os

from .errors import unknown_name

LANGS = ("en", "ja")


def default_lang(environ=None) -> str:
    """The language asked for by the environment: ``SCRATCHDL_LANG``, else the locale, else ``en``.

    A ``SCRATCHDL_LANG`` that is neither ``en`` nor ``ja`` raises ``ConfigError`` naming the variable.
    """
    env = os.environ if environ is None else environ
    if chosen := env.get("SCRATCHDL_LANG", "").strip():
        if chosen not in LANGS:
            raise unknown_name("language in SCRATCHDL_LANG", chosen, LANGS)
        return chosen
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if value := env.get(name, "").strip():
            return "ja" if value.lower().startswith("ja") else "en"
    return "en"
