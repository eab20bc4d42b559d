r"""Batch normalization: training with and without it across initial weight scales.

Batch norm normalizes each unit's pre-activation over the mini-batch before the activation,

.. math::
    \hat u = \frac{u - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}}, \qquad y = \gamma \hat u + \beta,

so the spread that reaches the next layer no longer depends on the scale of the weights: a layer
whose weights are 100 times too small (or too large) still passes on unit-variance signals, and
gradients flow back through it at a usable size.

Measured on ``digits``: an MLP 64-100x5-10 with ReLU, weights drawn N(0, s^2) for a range of
scales s, trained with plain SGD for the same number of steps with and without ``BatchNorm1d``
after every hidden Linear; test accuracy at the end (mean over seeds). A run whose loss becomes
NaN is counted as diverged (accuracy 10%, chance, for the mean).
"""

from __future__ import annotations

import math
import time

import numpy as np

from ..data import load_splits
from ..models import MLP
from ..nn import CrossEntropyLoss
from ..optim import SGD
from ..train import TrainingDiverged, TrainState, fit
from . import figures
from .base import ExperimentResult, pick, save_figure, single_threaded, start
from .evidence import Check, Panel, Statement, claim, conclude, listing, pct
from .tables import Col, Table

NAME = "batch-norm"
TITLE = {"en": "Batch normalization across initial weight scales",
         "ja": "初期値のスケールとバッチ正規化"}
HIDDEN = [100] * 5
LR = 0.1
BATCH = 100
CHANCE = 0.1
CURVE_SCALES = (1.0, 0.1, 0.01, 0.001)  # the scales whose training curves are drawn


def train_once(scale: float, batchnorm: bool, train, test, epochs: int, seed: int):
    """Test-accuracy history of one run and whether it diverged."""
    model = MLP([64, *HIDDEN, 10], "relu", f"normal:{scale}", batchnorm=batchnorm,
                rng=np.random.default_rng(seed))
    state = TrainState()
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # too-large weights overflow, by design
            fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=LR), train, test, epochs=epochs,
                batch_size=BATCH, seed=seed, progress=False, state=state)
    except TrainingDiverged:
        return state.history, True
    return state.history, False


def run(out_dir, quick: bool = False, lang: str = "en", seed: int = 0) -> ExperimentResult:
    result, out_dir, started = start(NAME, TITLE, CLAIM, out_dir, lang)
    if quick:
        scales, epochs, seeds = [1.0, 0.1, 0.01, 0.001], 8, [seed]
    else:
        scales, epochs, seeds = [3.0, 1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001], 20, [seed, seed + 1, seed + 2]
    train, test = load_splits("digits", seed=seed)
    steps = epochs * math.ceil(len(train.x) / BATCH)

    with single_threaded():
        runs = {(s, bn, r): train_once(s, bn, train, test, epochs, r)
                for s in scales for bn in (False, True) for r in seeds}

    def final(s, bn):
        accs = [CHANCE if d or not h else h[-1]["test_accuracy"] for h, d in
                (runs[(s, bn, r)] for r in seeds)]
        return float(np.mean(accs))

    acc = {bn: {s: final(s, bn) for s in scales} for bn in (False, True)}
    lowest = {s: min(CHANCE if d or not h else h[-1]["test_accuracy"] for h, d in (runs[(s, True, r)] for r in seeds))
              for s in scales}
    diverged = {bn: [s for s in scales if any(runs[(s, bn, r)][1] for r in seeds)] for bn in (False, True)}
    shown = [s for s in CURVE_SCALES if s in scales]
    result.numbers = {
        "steps": steps,
        "learning_rate": LR,
        "seeds": len(seeds),
        "test_accuracy_without_batchnorm": {str(s): a for s, a in acc[False].items()},
        "test_accuracy_with_batchnorm": {str(s): a for s, a in acc[True].items()},
        "lowest_run_with_batchnorm": {str(s): float(a) for s, a in lowest.items()},
        "diverged_without_batchnorm": [str(s) for s in diverged[False]],
        "diverged_with_batchnorm": [str(s) for s in diverged[True]],
        "curves_of_this_seed": {str(s): {
            name: [float(a) for a in runs[(s, bn, seed)][0].column("test_accuracy")]
            for name, bn in (("plain", False), ("batchnorm", True))} | {
            "plain_diverged": runs[(s, False, seed)][1], "batchnorm_diverged": runs[(s, True, seed)][1]}
            for s in shown},
    }
    _plot_accuracy(out_dir, result, lang, scales, acc, diverged, steps)
    _plot_curves(out_dir, result, lang, shown, runs, seed)
    conclude(result, PANELS, CHECKS, quick)
    result.seconds = time.perf_counter() - started
    return result


# ---- what the numbers say ------------------------------------------------------------------------
def _acc(n: dict, bn: bool) -> dict[float, float]:
    key = "test_accuracy_with_batchnorm" if bn else "test_accuracy_without_batchnorm"
    return {float(s): a for s, a in n[key].items()}


def _accuracy_finding(n: dict, lang: str) -> str:
    plain, bn = _acc(n, False), _acc(n, True)
    best = max(plain, key=plain.get)
    smaller = max((v for s, v in plain.items() if s < best), default=None)
    div = listing(lang, n["diverged_without_batchnorm"]) or "–"
    low = {float(k): v for k, v in n["lowest_run_with_batchnorm"].items()}
    worst = min(low, key=low.get)
    return pick(lang, {
        "en": f"mean over {n['seeds']} runs after {n['steps']} SGD steps: with batch norm {pct(min(bn.values()))} to "
              f"{pct(max(bn.values()))} at every scale from {max(bn):g} to {min(bn):g}; without it the best is "
              f"{pct(plain[best])} at s = {best:g}, {pct(smaller)} at most for "
              f"smaller s, and a run diverged at s = {div}. At s = 0.01: {pct(bn[0.01])} with, {pct(plain[0.01])} "
              f"without. The lowest single run with batch norm ends at {pct(low[worst])} (s = {worst:g}).",
        "ja": f"SGD {n['steps']} ステップ後の {n['seeds']} 回の平均: バッチ正規化ありではスケール {max(bn):g} から {min(bn):g}"
              f" のすべてで {pct(min(bn.values()))}〜{pct(max(bn.values()))}。なしでは最高が s = {best:g} の "
              f"{pct(plain[best])} で、それより小さい s では最大 {pct(smaller)}、"
              f"s = {div} で発散した実行がある。s = 0.01 では ありで {pct(bn[0.01])}、なしで {pct(plain[0.01])}。"
              f"バッチ正規化ありの1回ごとの実行で最も低いのは {pct(low[worst])} (s = {worst:g})。",
    })


def _curves_finding(n: dict, lang: str) -> str:
    def one(s, c):
        plain = pick(lang, {"en": "diverged", "ja": "発散"}) if c["plain_diverged"] else pct(c["plain"][-1])
        return f"N(0, {s}²) {pct(c['batchnorm'][-1])} / {plain}"

    rows = listing(lang, [one(s, c) for s, c in n["curves_of_this_seed"].items()])
    return pick(lang, {
        "en": f"final test accuracy of this seed's run with / without batch norm: {rows}.",
        "ja": f"このシードの実行の最終テスト精度 (あり / なし): {rows}。",
    })


def _small_scales_stay(n: dict) -> bool:
    """In this seed's runs at s ≤ 0.01: plain below 20% at every epoch, batch norm ahead by > 30 points at the end."""
    return all(bool(c["plain"]) and max(c["plain"]) < 0.2 and bool(c["batchnorm"])
               and c["batchnorm"][-1] > c["plain"][-1] + 0.3
               for s, c in n["curves_of_this_seed"].items() if float(s) <= 0.01)


STATEMENTS = [
    Statement("hinge", {
        "en": "Batch normalization normalizes each unit over the mini-batch before the activation, so training no "
              "longer hinges on the scale of the initial weights:",
        "ja": "バッチ正規化は活性化関数に渡す前に各ユニットをミニバッチ単位で正規化するので、学習が重みの初期値の"
              "スケールに左右されにくくなる。"}),
    Statement("plain", {
        "en": "with weights far too small the plain net stalls at chance, and with weights too large it diverges,",
        "ja": "重みが小さすぎると通常のネットは偶然の水準に留まり、大きすぎると発散するが、"}),
    Statement("batchnorm", {
        "en": "while the same net with batch norm learns from every scale in the same number of steps (on average "
              "to high accuracy; single runs vary more).",
        "ja": "バッチ正規化を入れた同じネットは、どのスケールからでも同じステップ数で学習する (平均では高い精度に"
              "達する。1回ごとの実行のばらつきはもっと大きい)。"}),
]
CLAIM = claim(STATEMENTS)

PANELS = [
    Panel("accuracy", "batch_norm_accuracy.png", {"en": "Accuracy by scale (figure 1)", "ja": "スケールごとの精度 (図1)"},
          _accuracy_finding),
    Panel("curves", "batch_norm_curves.png", {"en": "Training curves (figure 2)", "ja": "学習曲線 (図2)"},
          _curves_finding),
]

CHECKS = [
    Check("every_scale", {"en": "with batch norm > 70% on average at every scale",
                          "ja": "バッチ正規化ありはすべてのスケールで平均 70% 超"},
          "hinge", ("accuracy",), lambda n: min(_acc(n, True).values()) > 0.7),
    Check("small_stalls", {"en": "without batch norm near chance (< 20%) at every s ≤ 0.03",
                           "ja": "バッチ正規化なしは s ≤ 0.03 のすべてで偶然の水準付近 (< 20%)"}, "plain", ("accuracy",),
          lambda n: all(a < 0.2 for s, a in _acc(n, False).items() if s <= 0.03)),
    Check("large_diverges", {"en": "without batch norm every s ≥ 0.3 diverged in a run or stays below 20%",
                             "ja": "バッチ正規化なしは s ≥ 0.3 のすべてで発散した実行があるか 20% 未満"}, "plain",
          ("accuracy",), lambda n: all(str(s) in n["diverged_without_batchnorm"] or a < 0.2
                                       for s, a in _acc(n, False).items() if s >= 0.3)),
    Check("gain", {"en": "with batch norm ≥ 0.3 more accurate at every poor init (s ≤ 0.01)",
                   "ja": "小さすぎる初期値 (s ≤ 0.01) のすべてでバッチ正規化ありが 0.3 以上高精度"}, "batchnorm",
          ("accuracy",), lambda n: all(_acc(n, True)[s] >= a + 0.3 for s, a in _acc(n, False).items() if s <= 0.01)),
    Check("every_run", {"en": "with batch norm every single run at every scale ends above 40% (chance: 10%)",
                        "ja": "バッチ正規化ありでは、すべてのスケールの1回ごとの実行がどれも最後に 40% 超 (偶然の水準は 10%)"},
          "batchnorm", ("accuracy",), lambda n: min(n["lowest_run_with_batchnorm"].values()) > 0.4),
    Check("curves", {"en": "this seed's runs at s ≤ 0.01: without batch norm below 20% at every epoch, with it more "
                           "than 30 points higher at the end",
                     "ja": "このシードの s ≤ 0.01 の実行: バッチ正規化なしは全エポックで 20% 未満、ありは最後に 30 ポイント"
                           "以上高い"},
          "batchnorm", ("curves",), _small_scales_stay),
]


def _plot_accuracy(out_dir, result, lang, scales, acc, diverged, steps) -> None:
    fig, ax = figures.subplots(lang, width=7, height=4.6)
    names = {False: pick(lang, {"en": "without batch norm", "ja": "バッチ正規化なし"}),
             True: pick(lang, {"en": "with batch norm", "ja": "バッチ正規化あり"})}
    for bn, style in ((False, "--o"), (True, "-s")):
        ax.semilogx(scales, [acc[bn][s] for s in scales], style, label=names[bn])
        if diverged[bn]:
            ax.semilogx(diverged[bn], [acc[bn][s] for s in diverged[bn]], "rx", ms=12, mew=2)
    if diverged[False] or diverged[True]:
        ax.plot([], [], "rx", ms=10, mew=2, label=pick(lang, {"en": "diverged (NaN) in a run",
                                                              "ja": "発散 (NaN) した実行あり"}))
    ax.axhline(CHANCE, color="0.5", lw=1, ls=":", label=pick(lang, {"en": "chance", "ja": "偶然の水準"}))
    ax.invert_xaxis()
    ax.set(title=pick(lang, {"en": f"Test accuracy after {steps} SGD steps",
                             "ja": f"SGD {steps} ステップ後のテスト精度"}),
           xlabel=pick(lang, {"en": "std s of the initial weights N(0, s²)",
                              "ja": "初期値 N(0, s²) の標準偏差 s"}),
           ylabel=pick(lang, {"en": "test accuracy", "ja": "テスト精度"}), ylim=(0, 1.02))
    ax.grid(alpha=0.3)
    ax.legend()
    ok = {bn: sum(acc[bn][s] > 0.5 for s in scales) for bn in (False, True)}
    caption = pick(lang, {
        "en": f"Test accuracy on digits of a 5-hidden-layer ReLU MLP after {steps} SGD steps (lr {LR}), by "
              "the scale of its initial weights, with and without batch norm. Scales reaching 50%: "
              f"{ok[False]} of {len(scales)} without batch norm, {ok[True]} of {len(scales)} with it.",
        "ja": f"5層の隠れ層を持つ ReLU の MLP を SGD (学習率 {LR}) で {steps} ステップ学習した後の digits "
              "のテスト精度を、初期値のスケールごとに、バッチ正規化の有無で比べた。"
              f"精度 50% に達したスケール: なし {len(scales)} 中 {ok[False]}、"
              f"あり {len(scales)} 中 {ok[True]}。",
    })
    save_figure(fig, out_dir, "batch_norm_accuracy.png", result, caption)


def _plot_curves(out_dir, result, lang, shown, runs, seed) -> None:
    fig, axes = figures.subplots(lang, 1, len(shown), height=3.6, sharey=True, squeeze=False)
    for ax, s in zip(axes[0], shown, strict=True):
        for bn, style in ((False, "--o"), (True, "-s")):
            history, diverged = runs[(s, bn, seed)]
            name = pick(lang, {"en": "BN", "ja": "BNあり"} if bn else {"en": "plain", "ja": "BNなし"})
            if diverged:
                name += pick(lang, {"en": " (diverged)", "ja": " (発散)"})
            ax.plot(history.column("epoch"), history.column("test_accuracy"), style, ms=3, label=name)
        ax.set(title=f"N(0, {s}²)", xlabel=pick(lang, {"en": "epoch", "ja": "エポック"}), ylim=(0, 1.02))
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(alpha=0.3)
        ax.legend()
    axes[0][0].set_ylabel(pick(lang, {"en": "test accuracy", "ja": "テスト精度"}))
    caption = pick(lang, {
        "en": "Test accuracy per epoch with (solid) and without (dashed) batch norm for a few initial weight "
              "scales.",
        "ja": "いくつかの初期値のスケールでの、バッチ正規化あり (実線) となし (破線) の"
              "エポックごとのテスト精度。",
    })
    save_figure(fig, out_dir, "batch_norm_curves.png", result, caption)

TABLES = [
    Table({"en": "Test accuracy by the std of the initial weights", "ja": "初期値の標準偏差ごとのテスト精度"},
          rows="test_accuracy_without_batchnorm", row_header={"en": "std s", "ja": "標準偏差 s"},
          columns=[Col("test_accuracy_without_batchnorm/{row}", {"en": "without batch norm", "ja": "バッチ正規化なし"}),
                   Col("test_accuracy_with_batchnorm/{row}", {"en": "with batch norm", "ja": "バッチ正規化あり"})]),
]
