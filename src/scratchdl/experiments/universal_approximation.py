r"""Universal approximation: one hidden layer fits continuous functions better as it widens.

The universal approximation theorem (Cybenko 1989, Hornik 1991): for any continuous function
:math:`f` on a bounded interval and any :math:`\varepsilon > 0` there is a width :math:`m` and a
one-hidden-layer network

.. math::
    g(x) = \sum_{j=1}^{m} v_j \tanh(w_j x + b_j) + c

with :math:`\max_x |f(x) - g(x)| < \varepsilon`. The theorem says such weights exist, not how many
units are needed or that training finds them; here we measure both on three functions on
:math:`[-1, 1]`: :math:`\sin 2\pi x`, :math:`|x|` (a kink) and a smoothed step
:math:`1/(1 + e^{-25x})`.

Each net ``MLP([1, m, 1], "tanh")`` starts with hidden weights N(0, 3²) and biases that put each
unit's centre uniformly in [-1, 1]; all weights are trained full-batch with Adam (cosine-decayed
learning rate) on evenly spaced points (at least 4 per unit of the widest net, so that least squares
cannot merely interpolate them), then the output layer, being linear in the hidden features, is set
to its least-squares optimum. The best of a few restarts (by training error) is kept. Error is
measured on a separate 1001-point grid: root-mean-square and maximum.
"""

from __future__ import annotations

import time

import numpy as np

from ..models import MLP
from ..nn import MSELoss
from ..optim import Adam, CosineAnnealingLR
from . import figures
from .base import ExperimentResult, pick, pyplot, save_figure, single_threaded, start
from .evidence import Check, Panel, Statement, claim, conclude, listing
from .tables import Col, Table

NAME = "universal-approximation"
TITLE = {"en": "Universal approximation: error against width of one hidden layer",
         "ja": "万能近似定理: 隠れ層1層の幅と近似誤差"}
TARGETS = {
    "sin": ("sin 2πx", lambda x: np.sin(2 * np.pi * x)),
    "abs": ("|x|", np.abs),
    "step": ("1/(1+e^(−25x))", lambda x: 1 / (1 + np.exp(-25 * x))),
}
INIT_STD = 3.0
LR = 0.02


def one_hidden_layer(width: int, rng) -> MLP:
    """``1 -> width -> 1`` tanh net; unit j's centre -b_j/w_j drawn uniformly in [-1, 1]."""
    model = MLP([1, width, 1], "tanh", f"normal:{INIT_STD}", rng=rng)
    hidden = model.layers[0]
    hidden.bias.data[...] = -hidden.weight.data[0] * rng.uniform(-1, 1, width).astype(np.float32)
    return model


def fit_function(width: int, x, y, steps: int, rng) -> tuple[MLP, float]:
    """Train all weights with Adam, then solve the output layer by least squares; returns the model
    and its training RMSE."""
    model = one_hidden_layer(width, rng)
    loss_fn = MSELoss()
    optimizer = Adam(model.parameters(), lr=LR)
    schedule = CosineAnnealingLR(optimizer, T_max=steps)
    for _ in range(steps):
        loss_fn(model(x), y)
        optimizer.zero_grad()
        model.backward(loss_fn.backward())
        optimizer.step()
        schedule.step()
    hidden = model.layers[1](model.layers[0](x))
    design = np.hstack([hidden, np.ones_like(x)]).astype(np.float64)
    solution, *_ = np.linalg.lstsq(design, y.astype(np.float64), rcond=None)
    output = model.layers[2]
    output.weight.data[...] = solution[:-1]
    output.bias.data[...] = solution[-1]
    return model, float(np.sqrt(np.mean((model(x) - y) ** 2)))


def spearman(a, b) -> float:
    """Rank correlation of two sequences (no ties expected)."""
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


def run(out_dir, quick: bool = False, lang: str = "en", seed: int = 0) -> ExperimentResult:
    result, out_dir, started = start(NAME, TITLE, CLAIM, out_dir, lang)
    if quick:
        widths, steps, restarts = [1, 2, 4, 8, 16, 32, 64], 500, 2
    else:
        widths, steps, restarts = [1, 2, 4, 8, 16, 32, 64, 128, 256], 2000, 3
    # 4x more points than the widest layer has units, so least squares cannot just interpolate them
    x = np.linspace(-1, 1, max(256, 4 * widths[-1]), dtype=np.float32)[:, None]
    grid = np.linspace(-1, 1, 1001, dtype=np.float32)[:, None]

    rmse, max_err, fits = {}, {}, {}
    for k, (key, (_, f)) in enumerate(TARGETS.items()):
        y = f(x).astype(np.float32)
        rmse[key], max_err[key], fits[key] = [], [], {}
        for width in widths:
            with single_threaded():
                candidates = [fit_function(width, x, y, steps, np.random.default_rng([seed, k, width, r]))
                              for r in range(restarts)]
            model, _ = min(candidates, key=lambda c: c[1])
            model.eval()
            error = model(grid)[:, 0] - f(grid)[:, 0]
            rmse[key].append(float(np.sqrt(np.mean(error**2))))
            max_err[key].append(float(np.abs(error).max()))
            fits[key][width] = model(grid)[:, 0]

    result.numbers = {
        "widths": widths,
        "rmse": rmse,
        "max_abs_error": max_err,
        "rmse_ratio_widest_over_width_1": {k: v[-1] / v[0] for k, v in rmse.items()},
        "spearman_width_vs_rmse": {k: spearman(widths, v) for k, v in rmse.items()},
        "adam_steps": steps,
        "restarts": restarts,
    }
    _plot_fits(out_dir, result, lang, grid[:, 0], fits, widths)
    _plot_errors(out_dir, result, lang, widths, rmse, max_err)
    conclude(result, PANELS, CHECKS, quick)
    result.seconds = time.perf_counter() - started
    return result


# ---- what the numbers say ------------------------------------------------------------------------
def _fits_finding(n: dict, lang: str) -> str:
    w, e = n["widths"], n["max_abs_error"]
    narrow = listing(lang, [f"{TARGETS[k][0]} {v[0]:.2g}" for k, v in e.items()])
    wide = listing(lang, [f"{TARGETS[k][0]} {v[-1]:.2g}" for k, v in e.items()])
    return pick(lang, {
        "en": f"largest error on the grid with {w[0]} hidden unit: {narrow}; with {w[-1]} units: {wide}.",
        "ja": f"格子上の最大誤差は隠れユニット {w[0]} 個で {narrow}、{w[-1]} 個で {wide}。",
    })


def _errors_finding(n: dict, lang: str) -> str:
    w, r = n["widths"], n["rmse"]
    drops = listing(lang, [f"{TARGETS[k][0]} {v[0]:.2g} → {v[-1]:.2g}" for k, v in r.items()])
    rho = listing(lang, [f"{TARGETS[k][0]} {v:.2f}" for k, v in n["spearman_width_vs_rmse"].items()])
    kink = [v for width, v in zip(w, r["abs"], strict=True) if width >= 32]
    tail = {"en": f"; for |x| it stays between {min(kink):.2g} and {max(kink):.2g} from 32 units on" if kink else "",
            "ja": f"。|x| では 32 ユニット以上で {min(kink):.2g}〜{max(kink):.2g}" if kink else ""}
    return pick(lang, {
        "en": f"RMSE from {w[0]} to {w[-1]} hidden units: {drops}; rank correlation of width and RMSE: {rho}"
              f"{tail['en']}.",
        "ja": f"隠れユニット {w[0]} から {w[-1]} での RMSE: {drops}。幅と RMSE の順位相関: {rho}{tail['ja']}。",
    })


STATEMENTS = [
    Statement("approximates", {
        "en": "A network with one hidden layer can approximate any continuous function on a bounded interval as "
              "closely as wanted, given enough hidden units: one unit misses the wave and the kink (the steep step "
              "is itself one scaled tanh), a wide layer lies on every target;",
        "ja": "隠れ層が1層のネットワークでも、ユニットを十分に増やせば有界な区間上の任意の連続関数をいくらでも精度よく"
              "近似できる。1ユニットでは波と折れ目を捉えられず (急なステップはそれ自体が1つの tanh の定数倍)、幅が広いと"
              "どの目標にも重なる。"}),
    Statement("falls", {
        "en": "the fitting error falls as the layer widens, for a smooth wave, a kink and a steep step alike.",
        "ja": "なめらかな波、折れ目、急なステップのいずれでも、幅を広げるほど近似誤差は下がる。"}),
]
CLAIM = claim(STATEMENTS)

PANELS = [
    Panel("fits", "universal_approximation_fits.png", {"en": "Fits by width (figure 1)", "ja": "幅ごとの近似 (図1)"},
          _fits_finding),
    Panel("errors", "universal_approximation_error.png", {"en": "Error against width (figure 2)",
                                                          "ja": "幅と誤差 (図2)"}, _errors_finding),
]

CHECKS = [
    Check("narrow_misses", {"en": "one hidden unit misses the wave and the kink (RMSE > 0.1)",
                            "ja": "隠れユニット1個では波と折れ目を捉えられない (RMSE > 0.1)"}, "approximates", ("fits",),
          lambda n: min(n["rmse"]["sin"][0], n["rmse"]["abs"][0]) > 0.1),
    Check("wide_fits", {"en": "the widest net lies on every target (largest error on the grid < 0.05)",
                        "ja": "最も広いネットはどの目標にも重なる (格子上の最大誤差 < 0.05)"}, "approximates", ("fits",),
          lambda n: max(v[-1] for v in n["max_abs_error"].values()) < 0.05),
    Check("tenfold", {"en": "widest net's RMSE < 1/10 of width 1's, every function",
                      "ja": "全関数で最も広いネットの誤差 < 幅1の誤差の 1/10"}, "falls", ("errors",),
          lambda n: all(v[-1] < v[0] / 10 for v in n["rmse"].values())),
    Check("rank", {"en": "error falls with width (rank correlation < −0.7), every function",
                   "ja": "全関数で幅とともに誤差が下がる (順位相関 < −0.7)"}, "falls", ("errors",),
          lambda n: all(v < -0.7 for v in n["spearman_width_vs_rmse"].values())),
]


def _plot_fits(out_dir, result, lang, grid, fits, widths) -> None:
    plt = pyplot()
    shown = [w for w in (1, 2, 4, 16, widths[-1]) if w in widths]
    fig, axes = figures.subplots(lang, 1, len(TARGETS), height=4.8)
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(shown)))
    for ax, (key, (formula, f)) in zip(axes, TARGETS.items(), strict=True):
        ax.plot(grid, f(grid), color="k", lw=3, alpha=0.3, label=pick(lang, {"en": "target", "ja": "目標"}))
        for color, width in zip(colors, shown, strict=True):
            ax.plot(grid, fits[key][width], color=color, lw=1.2,
                    label=pick(lang, {"en": f"{width} unit" + ("s" if width > 1 else ""), "ja": f"{width} ユニット"}))
        ax.set(title=f"f(x) = {formula}", xlabel="x")
        ax.grid(alpha=0.3)
    axes[1].legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3)  # one legend, under the panels
    caption = pick(lang, {
        "en": "Fits of one-hidden-layer tanh networks of growing width (colours) to three continuous "
              "functions (grey, thick), on [-1, 1].",
        "ja": "幅を変えた隠れ層1層の tanh ネットワーク (色) による3つの連続関数 (灰色の太線) の [-1, 1] 上の近似。",
    })
    save_figure(fig, out_dir, "universal_approximation_fits.png", result, caption)


def _plot_errors(out_dir, result, lang, widths, rmse, max_err) -> None:
    fig, ax = figures.subplots(lang, width=7.5, height=4.8)
    for k, (key, (formula, _)) in enumerate(TARGETS.items()):
        ax.loglog(widths, rmse[key], "-o", color=f"C{k}", label=f"{formula} (RMSE)")
        ax.loglog(widths, max_err[key], ":", color=f"C{k}", alpha=0.7,
                  label=f"{formula} ({pick(lang, {'en': 'max error', 'ja': '最大誤差'})})")
    ax.set(title=pick(lang, {"en": "Approximation error against width", "ja": "隠れ層の幅と近似誤差"}),
           xlabel=pick(lang, {"en": "hidden units", "ja": "隠れユニット数"}),
           ylabel=pick(lang, {"en": "error on [-1, 1]", "ja": "[-1, 1] 上の誤差"}))
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    caption = pick(lang, {
        "en": "Root-mean-square (solid) and maximum (dotted) error on a 1001-point grid against the "
              "number of hidden units, log-log.",
        "ja": "1001点の格子上での二乗平均平方根誤差 (実線) と最大誤差 (点線) を隠れユニット数に対して"
              "両対数でプロット。",
    })
    save_figure(fig, out_dir, "universal_approximation_error.png", result, caption)

TABLES = [
    Table({"en": "Error against the number of hidden units", "ja": "隠れユニット数ごとの誤差"}, rows="widths",
          row_header={"en": "hidden units", "ja": "隠れユニット数"}, row_label="widths/{row}",
          columns=[Col(f"rmse/{key}/{{row}}", {"en": f"RMSE {key}", "ja": f"RMSE {key}"}) for key in ("sin", "abs", "step")]
          + [Col(f"max_abs_error/{key}/{{row}}", {"en": f"max error {key}", "ja": f"最大誤差 {key}"})
             for key in ("sin", "abs", "step")]),
]
