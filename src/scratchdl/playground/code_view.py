"""The "code" view: a layer's ``forward`` and ``backward`` (an optimizer's update) as the installed
package has them, read with ``inspect``, and the formula they compute.

Only the classes in ``ALLOWED`` can be shown: the page sends a name, the name is looked up in this
table, and the table gives the class and the methods to read. A name not in it is refused.
"""

from __future__ import annotations

import inspect
import textwrap

from .. import nn, optim
from ..errors import ConfigError

# name -> (class, methods shown, formula lines)
ALLOWED = {
    "Linear": (nn.Linear, ("forward", "backward"), (
        "y = x W + b",
        "∂L/∂x = δ Wᵀ,   ∂L/∂W = xᵀ δ,   ∂L/∂b = Σₙ δₙ")),
    "Sigmoid": (nn.Sigmoid, ("forward", "backward"), (
        "y = σ(x) = 1 / (1 + e⁻ˣ)",
        "∂L/∂x = δ · y (1 − y)      (y (1 − y) ≤ 0.25: through L layers at most 0.25ᴸ)")),
    "Tanh": (nn.Tanh, ("forward", "backward"), (
        "y = tanh x",
        "∂L/∂x = δ · (1 − y²)")),
    "ReLU": (nn.ReLU, ("forward", "backward"), (
        "y = max(0, x)",
        "∂L/∂x = δ · [x > 0]")),
    "LeakyReLU": (nn.LeakyReLU, ("forward", "backward"), (
        "y = x if x > 0, else α x   (α = 0.01)",
        "∂L/∂x = δ · (1 if x > 0, else α)")),
    "GELU": (nn.GELU, ("forward", "backward"), (
        "y = x Φ(x),   Φ(x) = ½ (1 + erf(x / √2))",
        "∂L/∂x = δ · (Φ(x) + x φ(x)),   φ the standard normal density")),
    "BatchNorm1d": (nn.BatchNorm1d, ("forward", "backward"), (
        "x̂ = (x − μ) / √(σ² + ε),   y = γ x̂ + β   (μ, σ² of the batch; running averages in eval)",
        "∂L/∂x = γ / (m √(σ² + ε)) · (m δ − Σ δ − x̂ Σ δ x̂),   ∂L/∂γ = Σ δ x̂,   ∂L/∂β = Σ δ")),
    "Dropout": (nn.Dropout, ("forward", "backward"), (
        "y = x ⊙ m / (1 − p),   m ~ Bernoulli(1 − p)   (identity in eval)",
        "∂L/∂x = δ ⊙ m / (1 − p)")),
    "CrossEntropyLoss": (nn.CrossEntropyLoss, ("value", "backward"), (
        "L = −(1/N) Σₙ log softmax(yₙ)[tₙ]",
        "∂L/∂y = (softmax(y) − onehot(t)) / N")),
    "SGD": (optim.SGD, ("update_parameter",), (
        "g ← g + λ W   (L2 weight decay λ)",
        "W ← W − η g")),
    "Momentum": (optim.Momentum, ("update_parameter",), (
        "g ← g + λ W,   b ← μ b + g   (μ = 0.9)",
        "W ← W − η b")),
    "AdaGrad": (optim.AdaGrad, ("update_parameter",), (
        "g ← g + λ W,   h ← h + g²",
        "W ← W − η g / (√h + ε)")),
    "RMSProp": (optim.RMSProp, ("update_parameter",), (
        "g ← g + λ W,   h ← α h + (1 − α) g²   (α = 0.99)",
        "W ← W − η g / (√h + ε)")),
    "Adam": (optim.Adam, ("update_parameter",), (
        "g ← g + λ W,   m ← β₁ m + (1 − β₁) g,   v ← β₂ v + (1 − β₂) g²   (β₁ = 0.9, β₂ = 0.999)",
        "W ← W − η m̂ / (√v̂ + ε),   m̂ = m / (1 − β₁ᵗ),   v̂ = v / (1 − β₂ᵗ)")),
}


def code(name: str) -> dict:
    """``{"name", "module", "summary", "formula", "methods": [{"name", "defined_in", "source"}]}``."""
    if not isinstance(name, str) or name not in ALLOWED:
        shown = repr(name) if len(repr(name)) <= 40 else repr(name)[:37] + "..."
        raise ConfigError(f"no code view for {shown}; valid: {', '.join(ALLOWED)}")
    cls, methods, formula = ALLOWED[name]
    shown = []
    for method in methods:
        function = getattr(cls, method)
        owner = next(base for base in cls.__mro__ if method in vars(base))
        shown.append({"name": method, "defined_in": f"{owner.__module__}.{owner.__qualname__}",
                      "source": _without_decorators(textwrap.dedent(inspect.getsource(function)))})
    summary = (inspect.getdoc(cls) or "").split("\n\n")[0].replace("\n", " ")
    return {"name": name, "module": cls.__module__, "summary": summary, "formula": list(formula),
            "methods": shown}


def _without_decorators(source: str) -> str:
    """The ``def`` and its body: decorators (``@explain_call(...)``, which only improves error
    messages) are not the math a learner came to read."""
    lines = source.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith(("def ", "async def ")))
    return "".join(lines[start:])
