r"""Activation functions and their derivatives: sigmoid, tanh, ReLU and softmax.

.. math::
    \sigma(z) = \frac{1}{1 + e^{-z}}, \quad \sigma'(z) = \sigma(z)(1 - \sigma(z)) \le \tfrac14
    \;(\text{equality at } z = 0), \qquad
    \tanh'(z) = 1 - \tanh^2 z \le 1, \qquad
    \mathrm{ReLU}'(z) = [z > 0], \qquad
    \mathrm{softmax}(x)_i = \frac{e^{x_i}}{\sum_j e^{x_j}}, \ \sum_i \mathrm{softmax}(x)_i = 1

Measured here: each function and its derivative on a grid of z through the library's layers
(``Sigmoid``, ``Tanh``, ``ReLU``; the derivative is ``backward`` of a gradient of ones), compared
with the course's functions (``functions.d_sigmoid`` ...) and with central differences; the value
and position of the largest sigmoid derivative; and the row sums of softmax over random logits,
including logits near 1000 where a naive ``exp`` overflows.
"""

from __future__ import annotations

import time

import numpy as np

from .. import functions
from ..nn import ReLU, Sigmoid, Softmax, Tanh
from . import figures
from .base import ExperimentResult, pick, save_figure, start
from .evidence import Check, Panel, Statement, claim, conclude
from .tables import Col, Table

NAME = "activations"
TITLE = {"en": "Activation functions and their derivatives", "ja": "活性化関数とその微分"}
LAYERS = {"sigmoid": Sigmoid, "tanh": Tanh, "relu": ReLU}
EXAMPLE_LOGITS = [2.0, 1.0, 0.1, -1.0]  # the softmax drawn in the right panel
COURSE = {"sigmoid": (functions.sigmoid, functions.d_sigmoid), "tanh": (functions.tanh, functions.d_tanh),
          "relu": (functions.relu, functions.d_relu)}


def layer_values(name: str, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(f(z), f'(z))`` from the library layer: forward, then backward of a gradient of ones."""
    layer = LAYERS[name]()
    y = layer(z)
    return y, layer.backward(np.ones_like(z))


def central_difference(name: str, z: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """:math:`(f(z + h) - f(z - h)) / 2h` with the library layer's forward."""
    return (LAYERS[name]()(z + h) - LAYERS[name]()(z - h)) / (2 * h)


def softmax_sums(rng, rows: int, classes: int) -> dict:
    """Row sums of softmax over random logits at scale 10 and shifted to about 1000."""
    logits = 10.0 * rng.standard_normal((rows, classes))
    out = {}
    for label, x in (("scale_10", logits), ("near_1000", logits + 1000.0)):
        p = Softmax()(x)
        out[label] = {"max_abs_sum_minus_1": float(np.abs(p.sum(axis=1) - 1).max()),
                      "all_in_0_1": bool(np.all((p >= 0) & (p <= 1))),
                      "finite": bool(np.all(np.isfinite(p)))}
    shifted = Softmax()(logits + 1000.0)
    out["shift_invariance_max_diff"] = float(np.abs(shifted - Softmax()(logits)).max())
    out["course_softmax_max_diff"] = float(np.abs(functions.softmax(logits) - Softmax()(logits)).max())
    return out


def run(out_dir, quick: bool = False, lang: str = "en", seed: int = 0) -> ExperimentResult:
    result, out_dir, started = start(NAME, TITLE, CLAIM, out_dir, lang)
    half, rows = (120, 200) if quick else (3000, 10000)
    z = np.linspace(-6.0, 6.0, 2 * half + 1)  # float64; z[half] == 0 exactly
    zero = half

    curves, agreement = {}, {}
    for name in LAYERS:
        y, dy = layer_values(name, z)
        curves[name] = (y, dy)
        f, df = COURSE[name]
        smooth = np.abs(z) > 1e-3  # ReLU has no derivative at 0
        agreement[name] = {
            "layer_vs_course_function": float(max(np.abs(y - f(z)).max(), np.abs(dy - df(z)).max())),
            "backward_vs_central_difference": float(np.abs(dy - central_difference(name, z))[smooth].max()),
        }
    sig, dsig = curves["sigmoid"]
    softmax = softmax_sums(np.random.default_rng(seed), rows, 10)
    relu_d = curves["relu"][1]
    result.numbers = {
        "sigmoid(0)": float(sig[zero]),
        "max sigmoid'(z)": float(dsig.max()),
        "argmax sigmoid'(z)": float(z[np.argmax(dsig)]),
        "sigmoid'(0)": float(dsig[zero]),
        "sigmoid range on grid": [float(sig.min()), float(sig.max())],
        "tanh range on grid": [float(curves["tanh"][0].min()), float(curves["tanh"][0].max())],
        "max tanh'(z)": float(curves["tanh"][1].max()),
        "argmax tanh'(z)": float(z[np.argmax(curves["tanh"][1])]),
        "relu'(z) for z<0 / z>0": [float(relu_d[z < 0].max()), float(relu_d[z > 0].min())],
        "max |derivative error|": agreement,
        "softmax": softmax,
        "softmax_example": {"logits": EXAMPLE_LOGITS, "probabilities": [float(v) for v in functions.softmax(
            np.array(EXAMPLE_LOGITS))]},
        "grid": {"points": int(z.size), "range": [float(z[0]), float(z[-1])], "dtype": "float64"},
    }
    _plot(out_dir, result, lang, z, curves)
    conclude(result, PANELS, CHECKS, quick)
    result.seconds = time.perf_counter() - started
    return result


# ---- what the numbers say ------------------------------------------------------------------------
def _functions_finding(n: dict, lang: str) -> str:
    low, high = n["sigmoid range on grid"]
    t_low, t_high = n["tanh range on grid"]
    a, b = n["grid"]["range"]
    return pick(lang, {
        "en": f"σ(0) = {n['sigmoid(0)']:.4f}; on z ∈ [{a:g}, {b:g}] σ runs from {low:.4f} to {high:.4f} and tanh "
              f"from {t_low:.4f} to {t_high:.4f}; ReLU is 0 for z < 0 and z above.",
        "ja": f"σ(0) = {n['sigmoid(0)']:.4f}。z ∈ [{a:g}, {b:g}] で σ は {low:.4f} から {high:.4f}、tanh は {t_low:.4f} "
              f"から {t_high:.4f} の範囲。ReLU は z < 0 で 0、それより上では z。",
    })


def _derivatives_finding(n: dict, lang: str) -> str:
    errors = n["max |derivative error|"]
    central = max(e["backward_vs_central_difference"] for e in errors.values())
    course = max(e["layer_vs_course_function"] for e in errors.values())
    neg, pos = n["relu'(z) for z<0 / z>0"]
    peak, at = n["max sigmoid'(z)"], n["argmax sigmoid'(z)"]
    tanh_peak, tanh_at = n["max tanh'(z)"], n["argmax tanh'(z)"]
    return pick(lang, {
        "en": f"σ' peaks at {peak:.4f} at z = {at:g} and tanh' at {tanh_peak:.4f} at z = {tanh_at:g}; ReLU' is {neg:g} "
              f"for z < 0 and {pos:g} for z > 0. The layers' backward agrees with central differences within "
              f"{central:.1e} and with the course's formulas within {course:.1e}.",
        "ja": f"σ' の最大値は z = {at:g} での {peak:.4f}、tanh' は z = {tanh_at:g} での {tanh_peak:.4f}。ReLU' は "
              f"z < 0 で {neg:g}、z > 0 で {pos:g}。各層の逆伝播の微分は中心差分と {central:.1e} 以内、講義の式と "
              f"{course:.1e} 以内で一致する。",
    })


def _softmax_finding(n: dict, lang: str) -> str:
    example, s = n["softmax_example"], n["softmax"]
    logits = ", ".join(f"{v:g}" for v in example["logits"])
    probs = ", ".join(f"{v:.3f}" for v in example["probabilities"])
    return pick(lang, {
        "en": f"the logits ({logits}) become ({probs}), sum {sum(example['probabilities']):.6f}; over random rows the "
              f"sums differ from 1 by at most {s['scale_10']['max_abs_sum_minus_1']:.1e} (logits of scale 10) and "
              f"{s['near_1000']['max_abs_sum_minus_1']:.1e} (logits near 1000).",
        "ja": f"ロジット ({logits}) は ({probs}) になり、和は {sum(example['probabilities']):.6f}。ランダムな行では和と 1 "
              f"の差は最大 {s['scale_10']['max_abs_sum_minus_1']:.1e} (大きさ 10 のロジット)、"
              f"{s['near_1000']['max_abs_sum_minus_1']:.1e} (1000 付近のロジット)。",
    })


STATEMENTS = [
    Statement("sigmoid", {"en": "The sigmoid maps every real number into (0, 1) with $σ(0) = 0.5$.",
                          "ja": "シグモイド関数は任意の実数を (0, 1) に写し、$σ(0) = 0.5$。"}),
    Statement("derivative", {
        "en": "Its derivative $σ'(z) = σ(z)(1 − σ(z))$ is written with σ itself and is at most 0.25, reached at "
              "z = 0 (the vanishing-gradient topic measures what this does to gradients through many layers); "
              "tanh's derivative peaks at 1.",
        "ja": "その微分 $σ'(z) = σ(z)(1 − σ(z))$ は σ 自身で表され、最大値は z = 0 での 0.25 である (多層での勾配への"
              "影響は勾配消失のトピックで測る)。tanh の微分の最大値は 1。"}),
    Statement("relu", {"en": "ReLU's derivative is 1 wherever the unit is active and 0 elsewhere.",
                       "ja": "ReLU の微分は活性なユニットで 1、それ以外で 0。"}),
    Statement("softmax", {"en": "Softmax turns any logits into positive probabilities that sum to 1, for multi-class "
                                "classification.",
                          "ja": "ソフトマックスは任意のロジットを和が 1 の正の確率に変換し、多クラス分類に使われる。"}),
]
CLAIM = claim(STATEMENTS)

PANELS = [
    Panel("functions", "activations.png", {"en": "Activation functions (left)", "ja": "活性化関数 (左)"},
          _functions_finding),
    Panel("derivatives", "activations.png", {"en": "Derivatives (middle)", "ja": "微分 (中)"}, _derivatives_finding),
    Panel("softmax", "activations.png", {"en": "Softmax (right)", "ja": "ソフトマックス (右)"}, _softmax_finding),
]


def _softmax_ok(n: dict) -> bool:
    return all(n["softmax"][k]["max_abs_sum_minus_1"] < 1e-12 and n["softmax"][k]["finite"]
               and n["softmax"][k]["all_in_0_1"] for k in ("scale_10", "near_1000"))


CHECKS = [
    Check("sigmoid_0", {"en": "σ(0) = 0.5", "ja": "σ(0) = 0.5"}, "sigmoid", ("functions",),
          lambda n: abs(n["sigmoid(0)"] - 0.5) < 1e-12),
    Check("sigmoid_range", {"en": "0 < σ(z) < 1 on the grid", "ja": "格子上で 0 < σ(z) < 1"}, "sigmoid", ("functions",),
          lambda n: n["sigmoid range on grid"][0] > 0 and n["sigmoid range on grid"][1] < 1),
    Check("max_at_0", {"en": "max σ' = 0.25, at z = 0 (so σ' ≤ 0.25 everywhere on the grid)",
                       "ja": "σ' の最大値は z = 0 で 0.25 (格子上のどこでも σ' ≤ 0.25)"}, "derivative", ("derivatives",),
          lambda n: abs(n["max sigmoid'(z)"] - 0.25) < 1e-12 and n["argmax sigmoid'(z)"] == 0.0),
    Check("formulas", {"en": "the layers' derivatives equal the course's formulas σ(1 − σ), 1 − tanh², step (< 1e-12)",
                       "ja": "各層の微分が講義の式 σ(1 − σ)、1 − tanh²、階段関数と一致 (< 1e-12)"},
          "derivative", ("derivatives",),
          lambda n: all(e["layer_vs_course_function"] < 1e-12 for e in n["max |derivative error|"].values())),
    Check("central", {"en": "backward matches central differences (< 1e-6)", "ja": "逆伝播の微分が中心差分と一致 (< 1e-6)"},
          "derivative", ("derivatives",),
          lambda n: all(e["backward_vs_central_difference"] < 1e-6 for e in n["max |derivative error|"].values())),
    Check("tanh", {"en": "max tanh' = 1 (at 0)", "ja": "tanh' の最大値は 1 (z = 0)"}, "derivative", ("derivatives",),
          lambda n: abs(n["max tanh'(z)"] - 1) < 1e-12 and n["argmax tanh'(z)"] == 0.0),
    Check("relu", {"en": "ReLU' is 0 for z < 0 and 1 for z > 0", "ja": "ReLU' は z < 0 で 0、z > 0 で 1"}, "relu",
          ("derivatives",), lambda n: n["relu'(z) for z<0 / z>0"] == [0.0, 1.0]),
    Check("softmax_rows", {"en": "softmax rows are in [0, 1] and sum to 1 (< 1e-12), even near logit 1000",
                           "ja": "ソフトマックスの各行は [0, 1] 内で和が 1 (< 1e-12)、ロジットが 1000 付近でも"},
          "softmax", (), _softmax_ok),
    Check("softmax_example", {"en": "the drawn example's probabilities are positive and sum to 1 (< 1e-12)",
                              "ja": "図の例の確率は正で和が 1 (< 1e-12)"}, "softmax", ("softmax",),
          lambda n: min(n["softmax_example"]["probabilities"]) > 0
          and abs(sum(n["softmax_example"]["probabilities"]) - 1) < 1e-12),
]


def _plot(out_dir, result, lang, z, curves) -> None:
    fig, (ax_f, ax_d, ax_s) = figures.subplots(lang, 1, 3, height=5.2)
    colors = {"sigmoid": "C0", "tanh": "C1", "relu": "C2"}
    names = {"sigmoid": pick(lang, {"en": "sigmoid σ(z)", "ja": "シグモイド σ(z)"}),
             "tanh": "tanh(z)", "relu": "ReLU(z)"}
    for name, (y, dy) in curves.items():
        ax_f.plot(z, y, color=colors[name], label=names[name])
        ax_d.plot(z, dy, color=colors[name], label=names[name].replace("(z)", "'(z)").replace("σ(z)", "σ'(z)"))
    ax_f.set(title=pick(lang, {"en": "Activation functions", "ja": "活性化関数"}),
             xlabel="z", ylabel="f(z)", ylim=(-1.2, 3.4))
    dsig = curves["sigmoid"][1]
    ax_d.axhline(0.25, color="C0", ls=":", lw=1)
    ax_d.annotate(pick(lang, {"en": f"max σ' = {dsig.max():.4f} at z = 0",
                              "ja": f"σ' の最大値 {dsig.max():.4f} (z = 0)"}),
                  xy=(0, dsig.max()), xytext=(-6, 0.62), arrowprops={"arrowstyle": "->"})
    ax_d.set(title=pick(lang, {"en": "Derivatives (from backward)", "ja": "微分 (逆伝播で計算)"}),
             xlabel="z", ylabel="f'(z)", ylim=(-0.1, 1.9))
    logits = np.array(EXAMPLE_LOGITS)
    p = functions.softmax(logits)
    xs = np.arange(logits.size)
    ax_s.bar(xs - 0.2, logits, 0.4, label=pick(lang, {"en": "logits x", "ja": "ロジット x"}), color="C7")
    ax_s.bar(xs + 0.2, p, 0.4, label=pick(lang, {"en": "softmax(x)", "ja": "ソフトマックス出力"}), color="C3")
    ax_s.set(title=pick(lang, {"en": f"Softmax: sum {p.sum():.6f}",
                               "ja": f"ソフトマックス (和 {p.sum():.6f})"}),
             xlabel=pick(lang, {"en": "class", "ja": "クラス"}), xticks=xs,
             ylabel=pick(lang, {"en": "value", "ja": "値"}))
    ax_s.set_ylim(top=3.4)
    for ax in (ax_f, ax_d, ax_s):
        ax.grid(alpha=0.3)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2))  # under the panel, off the curves
    caption = pick(lang, {
        "en": "Left: sigmoid, tanh and ReLU. Middle: their derivatives from the layers' backward; the "
              "sigmoid's peaks at 0.25 at z = 0, tanh's at 1, ReLU's is a step from 0 to 1. Right: logits "
              "and their softmax, which are positive and sum to 1.",
        "ja": "左: シグモイド、tanh、ReLU。中: 各層の逆伝播で求めた微分。シグモイドの微分は z = 0 で最大値 0.25、"
              "tanh は 1、ReLU は 0 から 1 への階段。右: ロジットとそのソフトマックス出力 (正で和が 1)。",
    })
    save_figure(fig, out_dir, "activations.png", result, caption)

TABLES = [
    Table({"en": "Key values", "ja": "主な値"}, columns=[
        Col("sigmoid(0)", {"en": "σ(0)", "ja": "σ(0)"}),
        Col("max sigmoid'(z)", {"en": "max σ'(z)", "ja": "σ'(z) の最大値"}),
        Col("argmax sigmoid'(z)", {"en": "z of the max", "ja": "最大となる z"}),
        Col("max tanh'(z)", {"en": "max tanh'(z)", "ja": "tanh'(z) の最大値"}),
        Col("relu'(z) for z<0 / z>0", {"en": "ReLU'(z) for z < 0 / z > 0", "ja": "ReLU'(z) (z < 0 / z > 0)"}),
        Col("softmax/shift_invariance_max_diff", {"en": "softmax(x + c) − softmax(x), max",
                                                  "ja": "softmax(x + c) − softmax(x) の最大"}),
        Col("softmax/course_softmax_max_diff", {"en": "layer vs course softmax, max difference",
                                                "ja": "レイヤと講義のソフトマックスの差の最大"}),
    ]),
    Table({"en": "Largest error of each derivative", "ja": "各微分の最大誤差"},
          rows="max |derivative error|", row_header={"en": "activation", "ja": "活性化関数"},
          columns=[Col("max |derivative error|/{row}/layer_vs_course_function",
                       {"en": "layer vs course formula", "ja": "レイヤと講義の式の差"}),
                   Col("max |derivative error|/{row}/backward_vs_central_difference",
                       {"en": "backward vs central difference", "ja": "逆伝播と中心差分の差"})]),
    Table({"en": "Softmax", "ja": "ソフトマックス"}, rows="softmax",
          row_header={"en": "logits", "ja": "ロジット"},
          row_names={"scale_10": {"en": "scale 10", "ja": "大きさ 10"},
                     "near_1000": {"en": "near 1000", "ja": "1000 付近"}},
          columns=[Col("softmax/{row}/max_abs_sum_minus_1", {"en": "max |sum − 1|", "ja": "|和 − 1| の最大"}),
                   Col("softmax/{row}/all_in_0_1", {"en": "all in [0, 1]", "ja": "すべて [0, 1] 内"}),
                   Col("softmax/{row}/finite", {"en": "finite", "ja": "有限"})]),
]
