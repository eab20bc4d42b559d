r"""Vanishing gradients: per-layer gradient norms through a 10-layer MLP, sigmoid vs ReLU.

Backpropagation multiplies the upstream gradient, layer by layer, by the activation's derivative
and by :math:`W^\top`. The sigmoid's derivative :math:`\sigma'(z) = \sigma(z)(1 - \sigma(z))` is at
most 0.25 (at :math:`z = 0`), so through :math:`L` sigmoid layers that factor alone shrinks the
gradient by up to :math:`0.25^L`; ReLU's derivative is 1 wherever the unit is active. With
Xavier weights (std :math:`1/\sqrt{n}`) :math:`W^\top` roughly keeps the norm, with He weights
(std :math:`\sqrt{2/n}`) it grows it by about :math:`\sqrt2`, which is what ReLU (half the units
off) needs.

Measured here on ``digits``: for each of sigmoid/ReLU x Xavier/He, the Frobenius norm of
:math:`\partial L/\partial W` of each of the 10 Linear layers at initialization (geometric mean
over several random initializations), the ratio first-layer / last-layer norm, the mean
:math:`\sigma'` per sigmoid layer, and a short training run of each net.
"""

from __future__ import annotations

import time

import numpy as np

from ..data import load_splits
from ..models import MLP
from ..nn import CrossEntropyLoss, Linear, Sigmoid
from ..optim import SGD
from ..train import fit
from . import figures
from .base import ExperimentResult, pick, save_figure, single_threaded, start
from .evidence import Check, Panel, Statement, claim, conclude, listing, pct
from .tables import Col, Spread, Table

NAME = "vanishing-gradient"
TITLE = {"en": "Vanishing gradients: sigmoid vs ReLU through 10 layers",
         "ja": "勾配消失: 10層でのシグモイドとReLU"}
DEPTH = 10  # Linear layers
WIDTH = 100
CONFIGS = [("sigmoid", "xavier_normal"), ("sigmoid", "he_normal"),
           ("relu", "xavier_normal"), ("relu", "he_normal")]
LR = 0.05
INIT_LABEL = {"xavier_normal": "Xavier", "he_normal": "He"}
# every net its own colour, line and marker: sigmoid + Xavier and sigmoid + He lie on each other at chance,
# so one is drawn with small filled markers and the other with large hollow ones around them
STYLE = {("sigmoid", "xavier_normal"): {"color": "C0", "ls": "-", "marker": "o", "ms": 4},
         ("sigmoid", "he_normal"): {"color": "C1", "ls": "--", "marker": "s", "ms": 9, "mfc": "none"},
         ("relu", "xavier_normal"): {"color": "C2", "ls": "-", "marker": "^", "ms": 4},
         ("relu", "he_normal"): {"color": "C3", "ls": "--", "marker": "D", "ms": 8, "mfc": "none"}}


def label(activation: str, init: str) -> str:
    return f"{activation} + {INIT_LABEL[init]}"


def deep_mlp(activation: str, init: str, rng) -> MLP:
    """64 -> 100 x 9 -> 10: ten Linear layers with ``activation`` between them."""
    return MLP([64] + [WIDTH] * (DEPTH - 1) + [10], activation, init, rng=rng)


def gradient_norms(model: MLP, x, t) -> tuple[np.ndarray, np.ndarray]:
    """One forward/backward on (x, t): the norm of dL/dW of each Linear layer (input side first)
    and the mean derivative σ'(z) = y(1 - y) of each Sigmoid layer (empty for ReLU)."""
    h = model.flatten(x)
    derivatives = []
    for layer in model.layers:
        h = layer(h)
        if isinstance(layer, Sigmoid):
            derivatives.append(float(np.mean(h * (1 - h))))
    loss_fn = CrossEntropyLoss()
    loss_fn(h, t)
    model.zero_grad()
    model.backward(loss_fn.backward())
    norms = [np.linalg.norm(m.weight.grad) for m in model.modules() if isinstance(m, Linear)]
    return np.array(norms), np.array(derivatives)


def measure(train, repeats: int, batch: int, seed: int) -> dict:
    """Geometric-mean per-layer gradient norms over ``repeats`` initializations, per config."""
    x, t = train.x[:batch], train.t[:batch]
    out = {}
    for activation, init in CONFIGS:
        norms, derivatives = [], []
        for r in range(repeats):
            model = deep_mlp(activation, init, np.random.default_rng([seed, r]))
            n, d = gradient_norms(model, x, t)
            norms.append(n)
            derivatives.append(d)
        out[(activation, init)] = (np.exp(np.log(np.array(norms)).mean(axis=0)),
                                   np.array(derivatives).mean(axis=0))
    return out


def run(out_dir, quick: bool = False, lang: str = "en", seed: int = 0) -> ExperimentResult:
    result, out_dir, started = start(NAME, TITLE, CLAIM, out_dir, lang)
    repeats, batch, epochs = (5, 256, 5) if quick else (20, 1437, 30)
    train, test = load_splits("digits", seed=seed)

    with single_threaded():
        measured = measure(train, repeats, batch, seed)
        histories, moved = {}, {}
        for activation, init in CONFIGS:
            model = deep_mlp(activation, init, np.random.default_rng(seed))
            before = [m.weight.data.copy() for m in model.modules() if isinstance(m, Linear)]
            state = fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=LR), train, test,
                        epochs=epochs, batch_size=64, seed=seed, progress=False)
            histories[(activation, init)] = state.history
            after = [m.weight.data for m in model.modules() if isinstance(m, Linear)]
            moved[(activation, init)] = [float(np.linalg.norm(a - b) / np.linalg.norm(b))
                                         for a, b in zip(after, before, strict=True)]

    norms = {label(*c): [float(v) for v in measured[c][0]] for c in CONFIGS}
    ratio = {label(*c): float(measured[c][0][0] / measured[c][0][-1]) for c in CONFIGS}
    sigmoid_derivative = measured[("sigmoid", "xavier_normal")][1]
    result.numbers = {
        "layers": DEPTH,
        "gradient_norm_per_layer": norms,
        "first_to_last_gradient_norm_ratio": ratio,
        "first_layer_norm_sigmoid_over_relu_he":
            float(measured[("sigmoid", "he_normal")][0][0] / measured[("relu", "he_normal")][0][0]),
        "mean_sigmoid_derivative_per_layer_xavier": [float(v) for v in sigmoid_derivative],
        "bound_0.25_pow_9": 0.25 ** (DEPTH - 1),
        "test_accuracy_after_training": {label(*c): float(histories[c][-1]["test_accuracy"])
                                         for c in CONFIGS},
        "relative_weight_change_per_layer": {label(*c): moved[c] for c in CONFIGS},
        "mean_gradient_shrink_per_layer_sigmoid_xavier": float(
            np.exp(np.mean(np.diff(np.log(measured[("sigmoid", "xavier_normal")][0]))))),
        "epochs": epochs,
        "initializations_averaged": repeats,
    }
    _plot(out_dir, result, lang, measured, histories)
    conclude(result, PANELS, CHECKS, quick)
    result.seconds = time.perf_counter() - started
    return result


# ---- what the numbers say ------------------------------------------------------------------------
SIGMOIDS = [label("sigmoid", i) for i in INIT_LABEL]
RELUS = [label("relu", i) for i in INIT_LABEL]


def _norms_finding(n: dict, lang: str) -> str:
    ratio = n["first_to_last_gradient_norm_ratio"]
    worst, best = max(ratio[k] for k in SIGMOIDS), min(ratio[k] for k in RELUS)
    shrink = n["mean_gradient_shrink_per_layer_sigmoid_xavier"]
    d = n["mean_sigmoid_derivative_per_layer_xavier"]
    return pick(lang, {
        "en": f"through {n['layers']} layers the sigmoid nets' first-layer gradient is {worst:.1e} of the last layer's "
              f"at most (ReLU: {best:.2f} or more); with sigmoid + Xavier it shrinks by a factor {shrink:.1f} per layer "
              f"towards the input, close to 1/0.25 = 4, and the mean σ' of its layers is {min(d):.3f} to {max(d):.3f}. "
              f"With He weights the sigmoid net's first-layer gradient is {n['first_layer_norm_sigmoid_over_relu_he']:.1e}"
              " of the ReLU net's.",
        "ja": f"{n['layers']} 層を通すと、シグモイドのネットの第1層の勾配は最終層の高々 {worst:.1e} 倍 (ReLU は {best:.2f} "
              f"倍以上)。シグモイド + Xavier では入力側へ1層ごとに約 {shrink:.1f} 分の1 になり、1/0.25 = 4 に近い。その各層の"
              f" σ' の平均は {min(d):.3f}〜{max(d):.3f}。He の初期値ではシグモイドのネットの第1層の勾配は ReLU の "
              f"{n['first_layer_norm_sigmoid_over_relu_he']:.1e} 倍。",
    })


def _training_finding(n: dict, lang: str) -> str:
    acc, moved = n["test_accuracy_after_training"], n["relative_weight_change_per_layer"]
    final = listing(lang, [f"{k} {pct(v)}" for k, v in acc.items()])
    first = listing(lang, [f"{k} {moved[k][0]:.1e}" for k in acc])
    last = listing(lang, [f"{k} {moved[k][-1]:.2f}" for k in acc])
    return pick(lang, {
        "en": f"after {n['epochs']} epochs: {final}. The first layer's weights moved by (relative to their start) "
              f"{first}; the last layer's by {last}.",
        "ja": f"{n['epochs']} エポック後: {final}。第1層の重みの変化 (初期値に対する比) は {first}、最終層は {last}。",
    })


STATEMENTS = [
    Statement("factor", {
        "en": "The sigmoid's derivative $σ'(z) = σ(z)(1 − σ(z))$ is at most 0.25, so through L sigmoid layers the "
              "gradient shrinks by up to $0.25^L$ from that factor alone.",
        "ja": "シグモイドの微分 $σ'(z) = σ(z)(1 − σ(z))$ の最大値は 0.25 なので、L 層のシグモイドを逆伝播するとその因子"
              "だけで勾配は最大 $0.25^L$ 倍に縮む。"}),
    Statement("first", {
        "en": "In a deep sigmoid net the first layers get gradients orders of magnitude smaller than the last and "
              "barely learn: their weights hardly move, and the net stays at chance (the weight-initialization "
              "topic measures why the whole net stalls).",
        "ja": "深いシグモイドのネットでは入力側の層の勾配が出力側より桁違いに小さくなり、ほとんど学習が進まない。その"
              "重みはほとんど動かず、ネットは偶然の水準に留まる (ネット全体が停滞する理由は重みの初期値のトピックで測る)。"}),
    Statement("relu", {
        "en": "ReLU (derivative 1 where active) with He initialization keeps the per-layer gradient norms "
              "comparable, and the ReLU nets learn.",
        "ja": "ReLU (活性時の微分は 1) と He の初期値では層ごとの勾配ノルムが同程度に保たれ、ReLU のネットは学習する。"}),
]
CLAIM = claim(STATEMENTS)

PANELS = [
    Panel("norms", "vanishing_gradient.png", {"en": "Gradient norm per layer (left)", "ja": "層ごとの勾配ノルム (左)"},
          _norms_finding),
    Panel("training", "vanishing_gradient.png", {"en": "Training (right)", "ja": "学習 (右)"}, _training_finding),
]

CHECKS = [
    Check("derivative", {"en": "mean σ' ≤ 0.25 in every sigmoid layer", "ja": "全シグモイド層で σ' の平均 ≤ 0.25"},
          "factor", ("norms",), lambda n: max(n["mean_sigmoid_derivative_per_layer_xavier"]) <= 0.25),
    Check("per_layer", {"en": "sigmoid + Xavier: the gradient norm shrinks by a factor between 3 and 6 per layer "
                              "towards the input",
                        "ja": "シグモイド + Xavier: 勾配ノルムは入力側へ1層ごとに 1/3〜1/6 に縮む"},
          "factor", ("norms",), lambda n: 3 < n["mean_gradient_shrink_per_layer_sigmoid_xavier"] < 6),
    Check("first_last", {"en": "sigmoid: first/last layer gradient norm ratio < 1e-3",
                         "ja": "シグモイド: 第1層と最終層の勾配ノルム比 < 1e-3"}, "first", ("norms",),
          lambda n: max(n["first_to_last_gradient_norm_ratio"][k] for k in SIGMOIDS) < 1e-3),
    Check("stuck", {"en": "after {epochs} epochs the sigmoid nets are still below 20% test accuracy, their first "
                          "layer's weights moved by < 1/10 as much as the ReLU nets'",
                    "ja": "{epochs} エポック後もシグモイドのネットはテスト精度 20% 未満で、第1層の重みの変化は ReLU の"
                          "ネットの 1/10 未満"},
          "first", ("training",),
          lambda n: max(n["test_accuracy_after_training"][k] for k in SIGMOIDS) < 0.2
          and max(n["relative_weight_change_per_layer"][k][0] for k in SIGMOIDS)
          < 0.1 * min(n["relative_weight_change_per_layer"][k][0] for k in RELUS), full_only=True),
    Check("relu_flat", {"en": "ReLU + He: first/last ratio within [0.1, 10]",
                        "ja": "ReLU + He: 第1層と最終層の比が [0.1, 10] 内"}, "relu", ("norms",),
          lambda n: 0.1 <= n["first_to_last_gradient_norm_ratio"][label("relu", "he_normal")] <= 10),
    Check("gap", {"en": "sigmoid's ratio below ReLU's / 1000", "ja": "シグモイドの比 < ReLU の比 / 1000"}, "relu",
          ("norms",), lambda n: max(n["first_to_last_gradient_norm_ratio"][k] for k in SIGMOIDS)
          < min(n["first_to_last_gradient_norm_ratio"][k] for k in RELUS) / 1000),
    Check("relu_learns", {"en": "the ReLU nets exceed 90% test accuracy after {epochs} epochs",
                          "ja": "ReLU のネットは {epochs} エポック後にテスト精度 90% 超"}, "relu", ("training",),
          lambda n: min(n["test_accuracy_after_training"][k] for k in RELUS) > 0.9, full_only=True),
]


def _plot(out_dir, result, lang, measured, histories) -> None:
    fig, (ax_norm, ax_acc) = figures.subplots(lang, 1, 2, height=6.0)
    layers = np.arange(1, DEPTH + 1)
    for (activation, init), (norms, _) in measured.items():
        ax_norm.semilogy(layers, norms, **STYLE[(activation, init)], label=label(activation, init))
    last = measured[("sigmoid", "xavier_normal")][0][-1]
    ax_norm.semilogy(layers, last * 0.25 ** (DEPTH - layers), "k--", lw=1,
                     label=pick(lang, {"en": "×0.25 per layer (guide)", "ja": "1層ごとに×0.25 (目安)"}))
    ax_norm.set(title=pick(lang, {"en": "Gradient norm per layer at initialization",
                                  "ja": "初期状態での層ごとの勾配ノルム"}),
                xlabel=pick(lang, {"en": "layer (1 = input side)", "ja": "層 (1 = 入力側)"}),
                ylabel="‖∂L/∂W‖", xticks=layers)
    for (activation, init), history in histories.items():
        ax_acc.plot(history.column("epoch"), history.column("test_accuracy"), **STYLE[(activation, init)],
                    label=label(activation, init))
    ax_acc.set(title=pick(lang, {"en": f"Test accuracy while training (SGD, lr {LR})",
                                  "ja": f"学習中のテスト精度 (SGD, 学習率 {LR})"}),
                xlabel=pick(lang, {"en": "epoch", "ja": "エポック"}),
                ylabel=pick(lang, {"en": "test accuracy", "ja": "テスト精度"}), ylim=(0, 1.02))
    ax_acc.xaxis.get_major_locator().set_params(integer=True)
    for ax in (ax_norm, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18))  # under the panel, off the points
    caption = pick(lang, {
        "en": "Left: norm of dL/dW per layer of a 10-layer MLP on digits at initialization (geometric mean over "
              "several initializations), with a guide falling ×0.25 per layer. Right: test accuracy of the same "
              f"nets while training with SGD (lr {LR}); sigmoid + Xavier (small filled circles) and sigmoid + He "
              "(large hollow squares) lie on each other at chance.",
        "ja": "左: digits 上の10層MLPの初期状態における層ごとの dL/dW のノルム (いくつかの初期値の幾何平均) と、1層ごとに"
              f"×0.25 で下がる目安の線。右: 同じネットを SGD (学習率 {LR}) で学習させたときのテスト精度。シグモイド + "
              "Xavier (小さな塗りつぶしの丸) とシグモイド + He (大きな白抜きの四角) は偶然の水準で重なっている。",
    })
    save_figure(fig, out_dir, "vanishing_gradient.png", result, caption)


TABLES = [
    Table({"en": "Per net", "ja": "ネットごと"}, rows="first_to_last_gradient_norm_ratio",
          row_header={"en": "activation + initialization", "ja": "活性化関数 + 初期値"},
          columns=[Col("first_to_last_gradient_norm_ratio/{row}", {"en": "gradient norm first / last layer",
                                                                  "ja": "勾配ノルム 第1層 / 最終層"}),
                   Col("test_accuracy_after_training/{row}", {"en": "test accuracy after training",
                                                             "ja": "学習後のテスト精度"})]),
    Table({"en": "Gradient norm ‖∂L/∂W‖ per layer at initialization", "ja": "初期状態の層ごとの勾配ノルム ‖∂L/∂W‖"},
          rows="gradient_norm_per_layer", row_header={"en": "net", "ja": "ネット"},
          columns=[Spread("gradient_norm_per_layer/{row}", {"en": "layer {i}", "ja": "層 {i}"})]),
]
