r"""Backpropagation against numerical differentiation: same gradients, far less work.

Backpropagation applies the chain rule from the loss backwards, layer by layer: for
:math:`y = xW + b` with upstream gradient :math:`\delta = \partial E/\partial y`,
:math:`\partial E/\partial W = x^\top \delta`, :math:`\partial E/\partial x = \delta W^\top`; one
backward pass costs about as much as one forward pass and gives the gradient of every parameter.
The numerical gradient nudges each of the :math:`P` parameters in turn,
:math:`(E(w + h) - E(w - h)) / 2h`: :math:`2P` forward passes.

Measured here, in float64: (1) the seed's two-layer example (x = (1, 5), target (0, 1)) through
the library's ``Linear``/``ReLU``/``CrossEntropyLoss``, compared with the gradients the seed prints
and with central differences; (2) the relative error
:math:`\max|a - n| / \max(\max|a|, \max|n|)` per parameter of MLPs on a batch of ``digits``; (3)
the time of one backprop gradient and of one full numerical gradient as the network grows, and
their ratio.
"""

from __future__ import annotations

import time

import numpy as np

from ..data import load_splits
from ..gradcheck import numerical_grad, relative_error
from ..models import MLP
from ..nn import CrossEntropyLoss, Linear, ReLU, Sequential
from . import figures
from .base import ExperimentResult, pick, save_figure, single_threaded, start
from .evidence import Check, Panel, Statement, claim, conclude, listing
from .tables import Col, Table

NAME = "backprop"
TITLE = {"en": "Backpropagation vs numerical gradients", "ja": "誤差逆伝播法と数値微分"}
# The seed's backprop exercise: its network, its input and target, and the gradients it prints.
SEED_NETWORK = {"W1": [[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]], "b1": [0.1, 0.2, 0.3],
                "W2": [[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]], "b2": [0.1, 0.2]}
SEED_X, SEED_TARGET = [[1.0, 5.0]], [[0.0, 1.0]]
SEED_PRINTED_GRADIENTS = {  # "偏微分_重み1" ... as printed in the seed (8 significant digits)
    "W1": [[-0.02611973, -0.02611973, -0.02611973], [-0.13059866, -0.13059866, -0.13059866]],
    "W2": [[0.10447893, -0.10447893], [0.21766443, -0.21766443], [0.33084994, -0.33084994]],
    "b1": [-0.02611973, -0.02611973, -0.02611973],
    "b2": [0.08706577, -0.08706577],
}


def seed_backprop() -> tuple[dict, object]:
    """The seed's network as explicit layers (float64, its weights), one backward pass on its input
    and target: its parameters by the seed's names (``W1``, ``b1``, ``W2``, ``b2``) and its loss as a
    function of nothing (for numerical differentiation)."""
    net = Sequential(Linear(2, 3, dtype=np.float64), ReLU(), Linear(3, 2, dtype=np.float64))
    first, second = net[0], net[2]
    first.weight.data[...], first.bias.data[...] = SEED_NETWORK["W1"], SEED_NETWORK["b1"]
    second.weight.data[...], second.bias.data[...] = SEED_NETWORK["W2"], SEED_NETWORK["b2"]
    x, t = np.array(SEED_X), np.array(SEED_TARGET)
    loss_fn = CrossEntropyLoss()
    loss_fn(net(x), t)
    net.zero_grad()
    net.backward(loss_fn.backward())
    params = {"W1": first.weight, "b1": first.bias, "W2": second.weight, "b2": second.bias}
    return params, lambda: loss_fn(net(x), t)


def seed_example() -> dict:
    """Backprop and numerical gradients of the seed's network, and the seed's printed ones."""
    params, loss = seed_backprop()
    backprop = {k: p.grad.copy() for k, p in params.items()}
    numeric = {k: numerical_grad(loss, p.data) for k, p in params.items()}
    return {
        "backprop_W1": backprop["W1"].tolist(),
        "max_abs_diff_to_seed_printed": max(float(np.abs(backprop[k] - np.array(v)).max())
                                            for k, v in SEED_PRINTED_GRADIENTS.items()),
        "max_relative_error_vs_numerical": max(relative_error(backprop[k], numeric[k]) for k in params),
    }


def gradients(model, x, t) -> tuple[dict, dict]:
    """Backprop and central-difference gradients of the cross-entropy of ``model`` on (x, t)."""
    loss_fn = CrossEntropyLoss()
    loss_fn(model(x), t)
    model.zero_grad()
    model.backward(loss_fn.backward())
    analytic = {name: p.grad.copy() for name, p in model.named_parameters()}
    numeric = {name: numerical_grad(lambda: loss_fn(model(x), t), p.data)
               for name, p in model.named_parameters()}
    return analytic, numeric


def check_network(activation: str, sizes, x, t, seed: int) -> dict:
    model = MLP(sizes, activation, "xavier_normal", rng=np.random.default_rng(seed), dtype=np.float64)
    analytic, numeric = gradients(model, x, t)
    errors = {name: relative_error(analytic[name], numeric[name]) for name in analytic}
    return {"parameters": model.num_parameters(), "relative_error_per_parameter": errors,
            "max_relative_error": max(errors.values()),
            "pairs": (np.concatenate([a.ravel() for a in analytic.values()]),
                      np.concatenate([n.ravel() for n in numeric.values()]))}


def time_both(width: int, x, t, seed: int, repeats: int) -> dict:
    """Seconds for one backprop gradient (median of ``repeats``) and one numerical gradient of
    every parameter of MLP 64-width-width-10."""
    model = MLP([64, width, width, 10], "relu", "he_normal", rng=np.random.default_rng(seed), dtype=np.float64)
    loss_fn = CrossEntropyLoss()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        loss_fn(model(x), t)
        model.zero_grad()
        model.backward(loss_fn.backward())
        times.append(time.perf_counter() - started)
    passes = [0]

    def loss():  # one forward pass, counted
        passes[0] += 1
        return loss_fn(model(x), t)

    started = time.perf_counter()
    for _, p in model.named_parameters():
        numerical_grad(loss, p.data)
    numerical = time.perf_counter() - started
    backprop = float(np.median(times))
    return {"width": width, "parameters": model.num_parameters(), "backprop_seconds": backprop,
            "numerical_seconds": numerical, "ratio": numerical / backprop, "numerical_forward_passes": passes[0]}


def run(out_dir, quick: bool = False, lang: str = "en", seed: int = 0) -> ExperimentResult:
    result, out_dir, started = start(NAME, TITLE, CLAIM, out_dir, lang)
    batch, check_sizes, widths, repeats = ((8, [64, 16, 10], [8, 16, 32], 20) if quick
                                          else (32, [64, 32, 16, 10], [8, 16, 32, 64, 128], 50))
    train, _ = load_splits("digits", seed=seed, dtype="float64")
    x, t = train.x[:batch], train.t[:batch]

    seed_net = seed_example()
    grad_checks = {a: check_network(a, check_sizes, x, t, seed) for a in ("tanh", "relu")}
    with single_threaded():
        timing = [time_both(w, x, t, seed, repeats) for w in widths]

    result.numbers = {
        "seed_network": seed_net,
        "gradient_check": {a: {k: v for k, v in c.items() if k != "pairs"} | {"sizes": check_sizes}
                           for a, c in grad_checks.items()},
        "batch": batch, "dtype": "float64", "h": 1e-6,
        "timing": timing,
        "largest_ratio_numerical_over_backprop": max(r["ratio"] for r in timing),
        "blas_threads": 1,
    }
    _plot(out_dir, result, lang, grad_checks, timing)
    conclude(result, PANELS, CHECKS, quick)
    result.seconds = time.perf_counter() - started
    return result


# ---- what the numbers say ------------------------------------------------------------------------
def _pairs_finding(n: dict, lang: str) -> str:
    g, seed = n["gradient_check"], n["seed_network"]
    errors = listing(lang, [f"{a} {c['max_relative_error']:.1e}" for a, c in g.items()])
    params = listing(lang, [f"{a} {c['parameters']:,}" for a, c in g.items()])
    return pick(lang, {
        "en": f"every gradient of the two MLPs ({params} parameters) agrees with central differences: largest relative "
              f"error {errors}; the seed network's gradients match the ones the seed prints within "
              f"{seed['max_abs_diff_to_seed_printed']:.1e}.",
        "ja": f"2つの MLP (パラメータ {params}) のすべての勾配が中心差分と一致する: 最大相対誤差 {errors}。レポートの"
              f"ネットワークの勾配はレポートに印字された値と {seed['max_abs_diff_to_seed_printed']:.1e} 以内で一致する。",
    })


def _timing_finding(n: dict, lang: str) -> str:
    t = n["timing"]
    first, last = t[0], t[-1]
    return pick(lang, {
        "en": f"from {first['parameters']:,} to {last['parameters']:,} parameters one backprop gradient takes "
              f"{1000 * first['backprop_seconds']:.2f} to {1000 * last['backprop_seconds']:.2f} ms, the numerical one "
              f"{first['numerical_seconds']:.2f} to {last['numerical_seconds']:.1f} s ({first['numerical_forward_passes']:,}"
              f" to {last['numerical_forward_passes']:,} forward passes); the ratio goes from ×{first['ratio']:,.0f} to "
              f"×{last['ratio']:,.0f}.",
        "ja": f"パラメータ {first['parameters']:,} から {last['parameters']:,} で、逆伝播による勾配1回は "
              f"{1000 * first['backprop_seconds']:.2f}〜{1000 * last['backprop_seconds']:.2f} ミリ秒、数値微分は "
              f"{first['numerical_seconds']:.2f}〜{last['numerical_seconds']:.1f} 秒 (順伝播 "
              f"{first['numerical_forward_passes']:,}〜{last['numerical_forward_passes']:,} 回)。比は ×{first['ratio']:,.0f}"
              f" から ×{last['ratio']:,.0f} になる。",
    })


STATEMENTS = [
    Statement("same", {
        "en": "Backpropagation computes the derivative of the error with respect to every parameter by working "
              "backwards from the error with the chain rule, and gives the same gradients as numerical "
              "differentiation.",
        "ja": "誤差逆伝播法は、誤差関数の出力から連鎖律で逆算して各パラメータの微分値を求め、数値微分と同じ勾配を与える。"}),
    Statement("cost", {
        "en": "It costs one forward and one backward pass for all the parameters, where numerical differentiation "
              "needs two forward passes per parameter,",
        "ja": "そのコストは全パラメータで順伝播と逆伝播1回ずつで、数値微分ではパラメータ1つにつき順伝播2回が必要なので、"}),
    Statement("faster", {
        "en": "so it is orders of magnitude faster, and the gap grows with the number of parameters.",
        "ja": "桁違いに速く、その差はパラメータ数とともに広がる。"}),
]
CLAIM = claim(STATEMENTS)

PANELS = [
    Panel("pairs", "backprop.png", {"en": "Backprop against numerical gradients (left)",
                                    "ja": "逆伝播と数値微分の勾配 (左)"}, _pairs_finding),
    Panel("timing", "backprop.png", {"en": "Time of one gradient (right)", "ja": "勾配1回分の時間 (右)"},
          _timing_finding),
]

CHECKS = [
    Check("seed", {"en": "seed network: backprop matches the seed's printed gradients (< 1e-8)",
                   "ja": "レポートのネットワーク: 逆伝播の勾配がレポートに印字された値と一致 (< 1e-8)"}, "same", ("pairs",),
          lambda n: n["seed_network"]["max_abs_diff_to_seed_printed"] < 1e-8),
    Check("numerical", {"en": "backprop matches numerical gradients (relative error < 1e-6, float64)",
                        "ja": "逆伝播の勾配が数値微分と一致 (相対誤差 < 1e-6、float64)"}, "same", ("pairs",),
          lambda n: all(c["max_relative_error"] < 1e-6 for c in n["gradient_check"].values())
          and n["seed_network"]["max_relative_error_vs_numerical"] < 1e-6),
    Check("passes", {"en": "numerical differentiation ran exactly two forward passes per parameter at every size",
                     "ja": "数値微分はどの規模でもパラメータ1つにつきちょうど2回の順伝播を行った"}, "cost", ("timing",),
          lambda n: all(r["numerical_forward_passes"] == 2 * r["parameters"] for r in n["timing"])),
    Check("hundredfold", {"en": "backprop is over 100 times faster than numerical differentiation at every size",
                          "ja": "どの規模でも逆伝播は数値微分より 100 倍超速い"}, "faster", ("timing",),
          lambda n: min(r["ratio"] for r in n["timing"]) > 100),
    Check("grows", {"en": "the speed-up grows with the number of parameters", "ja": "速度比はパラメータ数とともに大きくなる"},
          "faster", ("timing",), lambda n: n["timing"][-1]["ratio"] > n["timing"][0]["ratio"]),
]


def _plot(out_dir, result, lang, grad_checks, timing) -> None:
    fig, (ax_pair, ax_time) = figures.subplots(lang, 1, 2, height=5.8)
    for i, (activation, c) in enumerate(grad_checks.items()):
        analytic, numeric = c["pairs"]
        ax_pair.plot(numeric, analytic, "o", ms=3, alpha=0.5, color=f"C{i}",
                     label=f"MLP {activation}: {pick(lang, {'en': 'max rel. error', 'ja': '最大相対誤差'})} "
                           f"{c['max_relative_error']:.1e}")
    lo = min(float(c["pairs"][1].min()) for c in grad_checks.values())
    hi = max(float(c["pairs"][1].max()) for c in grad_checks.values())
    ax_pair.plot([lo, hi], [lo, hi], "k--", lw=1, label="y = x")
    ax_pair.set(title=pick(lang, {"en": "Every parameter's gradient: backprop vs numerical",
                                  "ja": "全パラメータの勾配: 逆伝播と数値微分"}),
                xlabel=pick(lang, {"en": "numerical gradient (central difference)", "ja": "数値微分 (中心差分)"}),
                ylabel=pick(lang, {"en": "backprop gradient", "ja": "誤差逆伝播法による勾配"}))
    params = [r["parameters"] for r in timing]
    ax_time.loglog(params, [r["numerical_seconds"] for r in timing], "s-", color="C3",
                   label=pick(lang, {"en": "numerical differentiation", "ja": "数値微分"}))
    ax_time.loglog(params, [r["backprop_seconds"] for r in timing], "o-", color="C0",
                   label=pick(lang, {"en": "backpropagation", "ja": "誤差逆伝播法"}))
    for r in timing:
        ax_time.annotate(f"×{r['ratio']:.0f}", (r["parameters"], r["numerical_seconds"]),
                         textcoords="offset points", xytext=(-10, 8))
    seconds = [r["numerical_seconds"] for r in timing] + [r["backprop_seconds"] for r in timing]
    ax_time.set_ylim(min(seconds) / 3, max(seconds) * 12)  # room above the top points for their ratio labels
    ax_time.set_xlim(min(params) / 2, max(params) * 3)  # and beside the last one
    ax_time.set(title=pick(lang, {"en": "Time for one full gradient (×: ratio)", "ja": "勾配1回分の計算時間 (×: 比)"}),
                xlabel=pick(lang, {"en": "number of parameters", "ja": "パラメータ数"}),
                ylabel=pick(lang, {"en": "seconds (log)", "ja": "秒 (対数)"}))
    for ax in (ax_pair, ax_time):
        ax.grid(alpha=0.3, which="both")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16))  # under the panel, off the points
    caption = pick(lang, {
        "en": "Left: each parameter's gradient of the cross-entropy of two small MLPs on a digits batch, by "
              "backprop against central differences (float64); all points lie on y = x. Right: the time of "
              "one gradient of all parameters of MLP 64-w-w-10 by each method; numerical differentiation "
              "needs two forward passes per parameter, so its cost grows with the parameter count and the "
              "ratio (×) widens.",
        "ja": "左: digits のバッチに対する2つの小さな MLP の交差エントロピーの、各パラメータの勾配を誤差逆伝播法と"
              "中心差分で比較 (float64)。全点が y = x 上に乗る。右: MLP 64-w-w-10 の全パラメータの勾配1回分の"
              "計算時間。数値微分はパラメータ1つごとに順伝播2回が必要なので、パラメータ数とともにコストが増え、"
              "比 (×) が広がる。",
    })
    save_figure(fig, out_dir, "backprop.png", result, caption)

TABLES = [
    Table({"en": "Backprop against numerical differentiation: time of one gradient",
           "ja": "誤差逆伝播法と数値微分: 勾配1回分の時間"}, rows="timing", row_header={"en": "width w", "ja": "幅 w"},
          row_label="timing/{row}/width",
          columns=[Col("timing/{row}/parameters", {"en": "parameters", "ja": "パラメータ数"}),
                   Col("timing/{row}/backprop_seconds", {"en": "backprop", "ja": "逆伝播"}, "ms", 1000.0),
                   Col("timing/{row}/numerical_seconds", {"en": "numerical", "ja": "数値微分"}, "ms", 1000.0),
                   Col("timing/{row}/ratio", {"en": "ratio", "ja": "比"})]),
    Table({"en": "Gradient check (float64)", "ja": "勾配確認 (float64)"}, rows="gradient_check",
          row_header={"en": "MLP", "ja": "MLP"},
          columns=[Col("gradient_check/{row}/sizes", {"en": "sizes", "ja": "層の大きさ"}),
                   Col("gradient_check/{row}/parameters", {"en": "parameters", "ja": "パラメータ数"}),
                   Col("gradient_check/{row}/max_relative_error", {"en": "max relative error", "ja": "最大相対誤差"})]),
]
