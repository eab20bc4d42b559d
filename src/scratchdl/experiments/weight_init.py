r"""Weight initialization: activation histograms per layer for N(0, 1), N(0, 0.01), Xavier and He.

A layer :math:`u = zW` with :math:`n` inputs of variance :math:`v` and weights of variance
:math:`s^2` gives pre-activations of variance :math:`n s^2 v`. So the scale of the weights decides
whether the signal keeps its spread through the layers:

- N(0, 1): :math:`n s^2 = 100`, pre-activations are huge; sigmoid and tanh outputs pile up at
  their extremes (saturated, derivative near 0), ReLU outputs explode layer by layer.
- N(0, 0.01): :math:`n s^2 = 0.01`, the spread collapses towards 0 layer by layer (the sigmoid's
  outputs all sit at 0.5), and every unit computes nearly the same thing.
- Xavier: mean 0, **standard deviation** :math:`1/\sqrt{n}` (variance :math:`1/n`, :math:`n` the
  fan-in), keeps the variance for activations that are linear near 0 (sigmoid, tanh).
- He: variance :math:`2/n`, the factor 2 making up for ReLU zeroing half of the units.

Measured as in "Deep Learning from Scratch": 1000 standard-normal inputs of 100 features through
5 layers of 100 units; per layer the std of the activations and the fraction of saturated units
(derivative below 8% of its maximum: sigmoid outputs outside [0.02, 0.98], tanh outside
[-0.96, 0.96]). Then a 4-hidden-layer MLP with each init is trained on ``digits``.
"""

from __future__ import annotations

import time

import numpy as np

from ..data import load_splits
from ..models import MLP
from ..nn import CrossEntropyLoss, Linear, activation
from ..optim import Momentum
from ..train import TrainingDiverged, TrainState, fit
from . import figures
from .base import ExperimentResult, checks, pick, save_figure, single_threaded, start
from .tables import Col, Table

NAME = "weight-init"
TITLE = {"en": "Weight initialization: activation spread per layer",
         "ja": "重みの初期値: 層ごとのアクティベーション分布"}
CLAIM = {
    "en": "The scale of the initial weights decides whether activations keep their spread through the "
          "layers. N(0, 1) saturates sigmoid/tanh (outputs pile at the extremes) and makes ReLU explode; "
          "N(0, 0.01) makes the spread collapse towards 0. Xavier (mean 0, standard deviation $1/√n$, i.e. "
          "variance $1/n$, n = fan-in) keeps it for sigmoid and tanh, He (variance $2/n$) for ReLU.",
    "ja": "重みの初期値のスケールで、アクティベーションの広がりが層を通して保たれるかが決まる。N(0, 1) では"
          "シグモイド/tanh が飽和し (出力が両端に偏る)、ReLU は発散する。N(0, 0.01) では広がりが層ごとに 0 へ"
          "しぼむ。Xavier の初期値 (平均 0、標準偏差 $1/√n$、つまり分散 $1/n$、n は前層のノード数) はシグモイドと"
          "tanh で、He の初期値 (分散 $2/n$) は ReLU で広がりを保つ。",
}

ACTIVATIONS = ("sigmoid", "tanh", "relu")
INITS = {"normal:1": "N(0, 1)", "normal:0.01": "N(0, 0.01)", "xavier_normal": "Xavier", "he_normal": "He"}
MATCHED = {"sigmoid": "xavier_normal", "tanh": "xavier_normal", "relu": "he_normal"}
LAYERS, WIDTH, SAMPLES = 5, 100, 1000
BAND = (0.05, 1.0)  # the per-layer std range a healthy init stays in
LR = 0.05
STYLES = ("-o", "--s", "-.^", ":D")  # one per init, so overlapping curves stay visible


def saturated(name: str, y: np.ndarray) -> float:
    """Fraction of units whose derivative is below 8% of its maximum (0 for ReLU, which has no
    saturating side: its dead units are counted separately as zeros)."""
    if name == "sigmoid":
        return float(np.mean((y < 0.02) | (y > 0.98)))
    if name == "tanh":
        return float(np.mean(np.abs(y) > 0.96))
    return 0.0


def forward_stats(act: str, init: str, x: np.ndarray, rng) -> list[np.ndarray]:
    """Activations of each of ``LAYERS`` Linear + ``act`` layers for input ``x``."""
    outputs, h = [], x
    for _ in range(LAYERS):
        h = activation(act)(Linear(WIDTH, WIDTH, bias=False, init=init, rng=rng)(h))
        outputs.append(h)
    return outputs


def train_curves(act: str, init: str, train, test, epochs: int, seed: int):
    """Test accuracy per epoch of a 64-100-100-100-100-10 MLP; stops (and says so) on divergence."""
    model = MLP([64] + [WIDTH] * 4 + [10], act, init, rng=np.random.default_rng(seed))
    state = TrainState()
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # N(0, 1) + ReLU overflows, by design
            fit(model, CrossEntropyLoss(), Momentum(model.parameters(), lr=LR), train, test,
                epochs=epochs, batch_size=64, seed=seed, progress=False, state=state)
    except TrainingDiverged:
        return state.history, True
    return state.history, False


def run(out_dir, quick: bool = False, lang: str = "en", seed: int = 0) -> ExperimentResult:
    result, out_dir, started = start(NAME, TITLE, CLAIM, out_dir, lang)
    epochs = 5 if quick else 30
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((SAMPLES, WIDTH)).astype(np.float32)
    acts = {(a, i): forward_stats(a, i, x, np.random.default_rng([seed, k]))
            for k, (a, i) in enumerate((a, i) for a in ACTIVATIONS for i in INITS)}
    std = {key: [float(h.std()) for h in hs] for key, hs in acts.items()}
    sat = {key: [saturated(key[0], h) for h in hs] for key, hs in acts.items()}

    train, test = load_splits("digits", seed=seed)
    with single_threaded():
        curves = {(a, i): train_curves(a, i, train, test, epochs, seed) for a in ACTIVATIONS for i in INITS}

    def table(values):
        return {a: {INITS[i]: values[(a, i)] for i in INITS} for a in ACTIVATIONS}

    result.numbers = {
        "activation_std_per_layer": table(std),
        "saturated_fraction_per_layer": {a: t for a, t in table(sat).items() if a != "relu"},
        "band": list(BAND),
        "final_test_accuracy": table({k: (float(h[-1]["test_accuracy"]) if h and not d else None)
                                      for k, (h, d) in curves.items()}),
        "diverged": [f"{a} + {INITS[i]}" for (a, i), (_, d) in curves.items() if d],
        "epochs": epochs,
    }
    in_band = {a: all(BAND[0] <= s <= BAND[1] for s in std[(a, MATCHED[a])])
               and max(sat[(a, MATCHED[a])]) < 0.1 for a in ACTIVATIONS}
    result.checks = checks(lang, [
        ({"en": f"Xavier keeps sigmoid/tanh std in {BAND} at every layer, < 10% saturated",
          "ja": f"Xavier ではシグモイド/tanh の標準偏差が全層で {BAND} 内、飽和 10% 未満"},
         in_band["sigmoid"] and in_band["tanh"]),
        ({"en": f"He keeps ReLU std in {BAND} at every layer", "ja": f"He では ReLU の標準偏差が全層で {BAND} 内"},
         in_band["relu"]),
        ({"en": "N(0, 1) saturates sigmoid/tanh (> 40% at every layer)",
          "ja": "N(0, 1) ではシグモイド/tanh が飽和 (全層で 40% 超)"},
         min(min(sat[(a, "normal:1")]) for a in ("sigmoid", "tanh")) > 0.4),
        ({"en": "N(0, 1) makes ReLU explode (last-layer std > 100)",
          "ja": "N(0, 1) では ReLU が発散 (最終層の標準偏差 > 100)"}, std[("relu", "normal:1")][-1] > 100),
        ({"en": f"N(0, 0.01) collapses (last-layer std < {BAND[0]}, every activation)",
          "ja": f"N(0, 0.01) ではしぼむ (全活性化関数で最終層の標準偏差 < {BAND[0]})"},
         max(std[(a, "normal:0.01")][-1] for a in ACTIVATIONS) < BAND[0]),
    ])
    last = {key: v[-1] for key, v in std.items()}
    result.notes.append(pick(lang, {
        "en": f"Std after {LAYERS} layers: tanh {last[('tanh', 'xavier_normal')]:.2f} with Xavier, "
              f"{last[('tanh', 'normal:0.01')]:.1e} with N(0, 0.01); ReLU {last[('relu', 'he_normal')]:.2f} "
              f"with He, {last[('relu', 'normal:1')]:.1e} with N(0, 1); with N(0, 1) "
              f"{sat[('tanh', 'normal:1')][-1]:.0%} of the tanh and "
              f"{sat[('sigmoid', 'normal:1')][-1]:.0%} of the sigmoid outputs are saturated.",
        "ja": f"{LAYERS} 層後の標準偏差: tanh は Xavier で {last[('tanh', 'xavier_normal')]:.2f}、N(0, 0.01) で "
              f"{last[('tanh', 'normal:0.01')]:.1e}。ReLU は He で {last[('relu', 'he_normal')]:.2f}、N(0, 1) で "
              f"{last[('relu', 'normal:1')]:.1e}。N(0, 1) では tanh 出力の {sat[('tanh', 'normal:1')][-1]:.0%}、"
              f"シグモイド出力の {sat[('sigmoid', 'normal:1')][-1]:.0%} が飽和している。",
    }))

    _plot_histograms(out_dir, result, lang, acts)
    _plot_std(out_dir, result, lang, std)
    _plot_training(out_dir, result, lang, curves)
    result.seconds = time.perf_counter() - started
    return result


def _plot_histograms(out_dir, result, lang, acts) -> None:
    """One ridge plot per (activation, init): the histogram of each layer stacked top to bottom."""
    fig, axes = figures.subplots(lang, len(ACTIVATIONS), len(INITS), height=10)
    edges_for = {"sigmoid": np.linspace(0, 1, 51), "tanh": np.linspace(-1, 1, 51),
                 "relu": np.logspace(-8, 6, 71)}  # ReLU: log scale, so collapse and explosion both show
    word = pick(lang, {"en": "layer", "ja": "層"})
    for row, act in enumerate(ACTIVATIONS):
        for col, init in enumerate(INITS):
            ax = axes[row, col]
            for layer, h in enumerate(acts[(act, init)]):
                values = h[h > 0] if act == "relu" else h  # ReLU: its zeros would hide the rest
                counts, edges = np.histogram(values, bins=edges_for[act])
                base = LAYERS - 1 - layer
                ax.stairs(base + 0.85 * counts / max(counts.max(), 1), edges, baseline=base, fill=True,
                          color=f"C{col}", alpha=0.8)
            if act == "relu":
                ax.set_xscale("log")
            ax.set_yticks(LAYERS - 1 - np.arange(LAYERS) + 0.3,
                          [f"{word} {k + 1}\nstd {h.std():.2g}" for k, h in enumerate(acts[(act, init)])])
            ax.set_ylim(0, LAYERS)
            ax.set_title(f"{act}, {INITS[init]}")
    fig.suptitle(pick(lang, {"en": "Activations per layer (1000 inputs, 5 layers of 100 units)",
                             "ja": "層ごとのアクティベーション分布 (入力1000個, 100ユニット×5層)"}))
    caption = pick(lang, {
        "en": "Histogram of the outputs of each of 5 layers (layer 1 on top) for sigmoid, tanh and ReLU "
              "(rows) and initial weights N(0, 1), N(0, 0.01), Xavier (std 1/√n), He (std √(2/n)) "
              "(columns). ReLU: nonzero outputs on a log axis. N(0, 1) piles sigmoid/tanh outputs at the "
              "extremes and blows ReLU up; N(0, 0.01) shrinks them to a spike; Xavier/He keep a spread.",
        "ja": "5層それぞれの出力のヒストグラム (上が第1層)。行: シグモイド, tanh, ReLU。列: 初期値 N(0, 1), "
              "N(0, 0.01), Xavier (標準偏差 1/√n), He (標準偏差 √(2/n))。ReLU は 0 以外の出力を対数軸で表示。"
              "N(0, 1) ではシグモイド/tanh の出力が両端に偏り ReLU は発散し、N(0, 0.01) では一点に"
              "しぼみ、Xavier/He では広がりが保たれる。",
    })
    save_figure(fig, out_dir, "weight_init_histograms.png", result, caption)


def _plot_std(out_dir, result, lang, std) -> None:
    fig, axes = figures.subplots(lang, 1, len(ACTIVATIONS), height=3.9, sharey=True)
    layers = np.arange(1, LAYERS + 1)
    for ax, act in zip(axes, ACTIVATIONS, strict=True):
        ax.axhspan(*BAND, color="0.9", label=pick(lang, {"en": "band", "ja": "適正範囲"}))
        for k, init in enumerate(INITS):
            ax.semilogy(layers, std[(act, init)], "-o", color=f"C{k}", label=INITS[init])
        ax.set(title=act, xlabel=pick(lang, {"en": "layer", "ja": "層"}), xticks=layers)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(pick(lang, {"en": "std of activations", "ja": "アクティベーションの標準偏差"}))
    axes[0].legend()
    caption = pick(lang, {
        "en": f"Standard deviation of the activations per layer (log scale). Grey: the band {BAND} that "
              "Xavier (sigmoid, tanh) and He (ReLU) stay in; N(0, 0.01) falls below it, N(0, 1) makes ReLU "
              "explode (and saturates sigmoid/tanh, see the histograms).",
        "ja": "層ごとのアクティベーションの標準偏差 (対数軸)。灰色: Xavier (シグモイド, tanh) と "
              f"He (ReLU) が収まる範囲 {BAND}。N(0, 0.01) はその下へしぼみ、N(0, 1) では ReLU が発散する "
              "(シグモイド/tanh は飽和する: ヒストグラム参照)。",
    })
    save_figure(fig, out_dir, "weight_init_std.png", result, caption)


def _plot_training(out_dir, result, lang, curves) -> None:
    fig, axes = figures.subplots(lang, 1, len(ACTIVATIONS), height=3.9, sharey=True)
    for ax, act in zip(axes, ACTIVATIONS, strict=True):
        for k, init in enumerate(INITS):
            history, diverged = curves[(act, init)]
            name = INITS[init] + (pick(lang, {"en": " (diverged)", "ja": " (発散)"}) if diverged else "")
            ax.plot(history.column("epoch"), history.column("test_accuracy"), STYLES[k], ms=4 + k,
                    color=f"C{k}", label=name, mfc="none")
        ax.set(title=act, xlabel=pick(lang, {"en": "epoch", "ja": "エポック"}), ylim=(0, 1.02))
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(alpha=0.3)
        ax.legend()
    axes[0].set_ylabel(pick(lang, {"en": "test accuracy", "ja": "テスト精度"}))
    final = "; ".join(
        f"{a} + {INITS[i]}: " + ("—" if d or not h else f"{h[-1]['test_accuracy']:.0%}")
        for (a, i), (h, d) in curves.items())
    stuck = ", ".join(f"{a} + {INITS[i]}" for (a, i), (h, d) in curves.items()
                      if h and not d and h[-1]["test_accuracy"] < 0.2) or "-"
    caption = pick(lang, {
        "en": f"Test accuracy on digits while training a 4-hidden-layer MLP (Momentum, lr {LR}) from each "
              f"initialization; '—' marks a run whose loss became NaN. Final: {final}. "
              f"Still near chance (10%) at the end: {stuck}.",
        "ja": "各初期値から4層の隠れ層を持つMLPを digits で学習したときのテスト精度 "
              f"(Momentum, 学習率 {LR})。'—' は損失が NaN になった実行。最終値: {final}。"
              f"最後まで偶然の水準 (10%) 付近に留まったもの: {stuck}。",
    })
    save_figure(fig, out_dir, "weight_init_training.png", result, caption)

_INIT_COLUMNS = ["N(0, 1)", "N(0, 0.01)", "Xavier", "He"]
TABLES = [
    Table({"en": "Test accuracy after training (– = diverged)", "ja": "学習後のテスト精度 (– は発散)"},
          rows="final_test_accuracy", row_header={"en": "activation", "ja": "活性化関数"},
          columns=[Col(f"final_test_accuracy/{{row}}/{init}", {"en": init, "ja": init}) for init in _INIT_COLUMNS]),
    Table({"en": "Std of the last layer's activations", "ja": "最終層のアクティベーションの標準偏差"},
          rows="activation_std_per_layer", row_header={"en": "activation", "ja": "活性化関数"},
          columns=[Col(f"activation_std_per_layer/{{row}}/{init}/4", {"en": init, "ja": init})
                   for init in _INIT_COLUMNS]),
    Table({"en": "Saturated share of the last layer's outputs", "ja": "最終層の出力のうち飽和した割合"},
          rows="saturated_fraction_per_layer", row_header={"en": "activation", "ja": "活性化関数"},
          columns=[Col(f"saturated_fraction_per_layer/{{row}}/{init}/4", {"en": init, "ja": init})
                   for init in _INIT_COLUMNS]),
]
