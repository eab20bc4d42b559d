"""Inline markup of the report's text: ```code``` and ``$formula$``.

The experiments write formulas in plain text between dollar signs, e.g. ``$σ'(z) = σ(z)(1 − σ(z))$``,
``$0.25^L$``, ``$2/λ_max$``, ``$1/√n$``. ``report.md`` shows them as that plain text (``plain``,
readable on GitHub); ``report.html`` shows them as MathML (``html``), which browsers render
natively, with no script and no network. The formula syntax is small: numbers, names (a run of
Latin letters, or one Greek letter), operators, ``a^b`` and ``a_b`` (``b`` one atom or a
parenthesized group), ``√a``, ``x²`` and ``x³``, and parentheses.
"""

from __future__ import annotations

import html
import re

_SPAN = re.compile(r"`([^`]+)`|\$([^$]+)\$")
_TOKEN = re.compile(r"\s+|\d+(?:\.\d+)?|[A-Za-z]+|[α-ωΑ-Ω]|.", re.S)
_SUPERSCRIPTS = {"²": "2", "³": "3"}
_OPERATORS = {"'": "′", "-": "−", "*": "×"}


def plain(text: str) -> str:
    """``text`` with the formula delimiters and code backticks dropped (for Markdown alt text)."""
    return _SPAN.sub(lambda m: m.group(1) or m.group(2), str(text))


def markdown(text: str) -> str:
    """``text`` for ``report.md``: code spans kept (GitHub renders them), formulas as plain text."""
    return _SPAN.sub(lambda m: f"`{m.group(1)}`" if m.group(1) else m.group(2), str(text))


def html_text(text: str) -> str:
    """``text`` escaped for HTML, with ```code``` as ``<code>`` and ``$formula$`` as inline MathML."""
    out, last = [], 0
    for m in _SPAN.finditer(str(text)):
        out.append(html.escape(text[last:m.start()]))
        out.append(f"<code>{html.escape(m.group(1))}</code>" if m.group(1) else to_mathml(m.group(2)))
        last = m.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def to_mathml(formula: str) -> str:
    """Inline MathML of one plain-text ``formula`` (its plain text kept as the ``alttext``)."""
    tokens = [t for t in _TOKEN.findall(formula) if not t.isspace()]
    nodes, _ = _sequence(tokens, 0, closing=None)
    alt = html.escape(formula, quote=True)
    return f'<math alttext="{alt}"><mrow>{"".join(nodes)}</mrow></math>'


def _sequence(tokens, i, closing):
    nodes = []
    while i < len(tokens) and tokens[i] != closing:
        node, i = _scripted(tokens, i)
        nodes.append(node)
    return nodes, i


def _scripted(tokens, i):
    """One atom followed by any ``^x``, ``_x``, ``²``."""
    node, _, i = _atom(tokens, i)
    while i < len(tokens) and tokens[i] in ("^", "_", *_SUPERSCRIPTS):
        if tokens[i] in _SUPERSCRIPTS:
            node, i = f"<msup>{node}<mn>{_SUPERSCRIPTS[tokens[i]]}</mn></msup>", i + 1
            continue
        tag = "msup" if tokens[i] == "^" else "msub"
        if i + 1 >= len(tokens):
            return f"{node}<mo>{html.escape(tokens[i])}</mo>", i + 1
        _, inner, i = _atom(tokens, i + 1)
        node = f"<{tag}>{node}{inner}</{tag}>"
    return node, i


def _atom(tokens, i):
    """``(node, node without its outer parentheses, next index)`` of the atom at ``tokens[i]``."""
    token = tokens[i]
    if token == "(":
        nodes, j = _sequence(tokens, i + 1, closing=")")
        inner = f"<mrow>{''.join(nodes)}</mrow>"
        close = "<mo>)</mo>" if j < len(tokens) else ""
        return f"<mrow><mo>(</mo>{''.join(nodes)}{close}</mrow>", inner, j + 1
    if token == "√" and i + 1 < len(tokens):
        _, inner, j = _atom(tokens, i + 1)
        node = f"<msqrt>{inner}</msqrt>"
        return node, node, j
    if re.fullmatch(r"\d+(?:\.\d+)?", token):
        node = f"<mn>{token}</mn>"
    elif re.fullmatch(r"[A-Za-z]+|[α-ωΑ-Ω]", token):
        node = f"<mi>{token}</mi>"
    else:
        node = f"<mo>{html.escape(_OPERATORS.get(token, token))}</mo>"
    return node, node, i + 1
