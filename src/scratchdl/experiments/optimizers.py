r"""Optimizers on an elongated valley and on ``digits``: SGD, Momentum, Nesterov, AdaGrad, RMSProp, Adam.

:math:`f(x, y) = x^2/20 + y^2` has gradient :math:`(x/10, 2y)` and Hessian
:math:`\mathrm{diag}(0.1, 2)`: a valley 20 times steeper across than along. Plain gradient
descent multiplies the distance along each axis by :math:`1 - \varepsilon\lambda` per step, so a
learning rate small enough for the steep axis (:math:`\varepsilon < 2/\lambda_{max} = 1`) crawls
along the flat one, and one near the limit zigzags across the valley. Momentum
(:math:`v \leftarrow \mu v + g,\ \theta \leftarrow \theta - \varepsilon v`) builds up speed along the
consistent direction and cancels the zigzag; AdaGrad, RMSProp and Adam divide each coordinate's
step by a running scale of its own gradients, so the flat axis gets a larger step.

Measured here, with ``scratchdl.optim`` (PyTorch's update rules and default hyperparameters)
stepping a two-element ``Parameter`` from (-7, 2): the paths at one common learning rate; for a grid
of learning rates, the steps until :math:`f` falls below a tolerance and stays there (the
optimizer "has reached the minimum"); and training curves of an MLP on ``digits`` with each
optimizer at the learning rate "Deep Learning from Scratch" uses, with the steps to reach a
training loss.
"""

from __future__ import annotations

import math
import time
import warnings

import numpy as np

from .. import optim
from ..data import DataLoader, load_splits
from ..models import MLP
from ..nn import CrossEntropyLoss, Parameter
from ..train import accuracy
from . import figures
from .base import ExperimentResult, pick, save_figure, start
from .evidence import Check, Panel, Statement, claim, conclude, listing, pct
from .tables import Col, Table

NAME = "optimizers"
TITLE = {"en": "Optimizers: SGD, Momentum, Nesterov, AdaGrad, RMSProp, Adam",
         "ja": "最適化手法: SGD・Momentum・Nesterov・AdaGrad・RMSProp・Adam"}
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
DISPLAY = {"sgd": "SGD", "momentum": "Momentum", "nesterov": "Nesterov", "adagrad": "AdaGrad",
           "rmsprop": "RMSProp", "adam": "Adam"}
START = (-7.0, 2.0)
COMMON_LR = 0.1
TOLERANCE = 1e-3  # "at the minimum": f below this from some step on, to the end of the budget
STEP_BUDGET = 500  # the same in quick and full runs: "stays below" depends on how long one watches
BOOK_LR = {"sgd": 0.01, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.01, "rmsprop": 0.01, "adam": 0.001}
TARGET_LOSS = 0.3


def valley(p) -> float:
    return float(p[0] ** 2 / 20 + p[1] ** 2)


def valley_gradient(p):
    return np.array([p[0] / 10, 2 * p[1]])


def descend(name: str, lr: float, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """``steps`` updates of optimizer ``name`` on the valley from ``START``: the points (index 0 =
    start) and f at each; stops early if the point runs off to infinity."""
    p = Parameter(np.array(START, dtype=np.float64))
    optimizer = optim.create(name, [p], lr=lr)
    points = [p.data.copy()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # overflow of a diverging run
        for _ in range(steps):
            optimizer.zero_grad()
            p.grad += valley_gradient(p.data)
            optimizer.step()
            points.append(p.data.copy())
            if not np.all(np.isfinite(p.data)) or np.abs(p.data).max() > 1e6:
                break
        points = np.array(points)
        values = points[:, 0] ** 2 / 20 + points[:, 1] ** 2
    return points, values


def steps_to_minimum(values: np.ndarray, steps: int) -> int | None:
    """The first step from which f stays below ``TOLERANCE`` to the end of the budget; None if
    never (or if the run diverged)."""
    if len(values) < steps + 1 or not np.all(np.isfinite(values)):
        return None
    above = np.nonzero(values >= TOLERANCE)[0]
    first = int(above[-1]) + 1 if len(above) else 0
    return first if first < len(values) - 1 else None


def settle_per_axis(points: np.ndarray) -> dict:
    """The first step from which each axis's part of f (x²/20 and y²) stays below half the tolerance."""
    out = {}
    for axis, part in (("x", points[:, 0] ** 2 / 20), ("y", points[:, 1] ** 2)):
        above = np.nonzero(part >= TOLERANCE / 2)[0]
        out[axis] = int(above[-1]) + 1 if len(above) else 0
    return out


def lr_sweep(lrs, steps: int) -> dict:
    """Steps to the minimum per optimizer and learning rate."""
    return {name: [steps_to_minimum(descend(name, lr, steps)[1], steps) for lr in lrs] for name in OPTIMIZERS}


def train_digits(name: str, train, steps: int, eval_every: int, seed: int) -> dict:
    """An MLP 64-100-100-10 trained by optimizer ``name`` at ``BOOK_LR[name]``, batch 32; the
    whole-training-set loss every ``eval_every`` steps."""
    model = MLP([64, 100, 100, 10], "relu", "he_normal", rng=np.random.default_rng(seed))
    loss_fn = CrossEntropyLoss()
    optimizer = optim.create(name, model.parameters(), lr=BOOK_LR[name])
    loader = DataLoader(train, 32, shuffle=True, seed=seed)
    curve = {"step": [0], "loss": [loss_fn(model(train.x), train.t)]}
    step, epoch = 0, 0
    while step < steps:
        for x, t in loader.epoch(epoch):
            loss_fn(model(x), t)
            optimizer.zero_grad()
            model.backward(loss_fn.backward())
            optimizer.step()
            step += 1
            if step % eval_every == 0:
                curve["step"].append(step)
                curve["loss"].append(loss_fn(model(train.x), train.t))
            if step == steps:
                break
        epoch += 1
    curve["model"] = model
    return curve


def first_below(curve: dict, target: float) -> int | None:
    return next((s for s, v in zip(curve["step"], curve["loss"], strict=True) if v < target), None)


def run(out_dir, quick: bool = False, lang: str = "en", seed: int = 0) -> ExperimentResult:
    result, out_dir, started = start(NAME, TITLE, CLAIM, out_dir, lang)
    budget = STEP_BUDGET
    grid, digit_steps, eval_every = (13, 150, 10) if quick else (41, 1500, 25)

    paths = {name: descend(name, COMMON_LR, budget) for name in OPTIMIZERS}
    at_common = {name: steps_to_minimum(values, budget) for name, (_, values) in paths.items()}
    lrs = np.geomspace(0.01, 3.0, grid)
    sweep = lr_sweep(lrs, budget)
    best = {}
    for name, counts in sweep.items():
        ok = [(c, lr) for c, lr in zip(counts, lrs, strict=True) if c is not None]
        best[name] = {"lr": float(min(ok)[1]), "steps": int(min(ok)[0])} if ok else None
    converging = {name: [float(lr) for c, lr in zip(counts, lrs, strict=True) if c is not None]
                  for name, counts in sweep.items()}

    train, test = load_splits("digits", seed=seed)
    curves = {name: train_digits(name, train, digit_steps, eval_every, seed) for name in OPTIMIZERS}
    digits = {name: {"lr": BOOK_LR[name], f"steps_to_train_loss_{TARGET_LOSS}": first_below(c, TARGET_LOSS),
                     "final_train_loss": c["loss"][-1], "test_accuracy": accuracy(c["model"], test)}
              for name, c in curves.items()}

    result.numbers = {
        "start": list(START), "tolerance_f": TOLERANCE, "step_budget": budget, "common_lr": COMMON_LR,
        "steps_to_minimum_at_common_lr": at_common,
        "sgd_steps_to_settle_per_axis_at_common_lr": settle_per_axis(paths["sgd"][0]),
        "best_lr_and_steps_on_grid": best,
        "lr_grid": [float(lrs[0]), float(lrs[-1]), grid],
        "converging_lr_range": {n: [v[0], v[-1]] if v else None for n, v in converging.items()},
        "converging_lr_count": {n: len(v) for n, v in converging.items()},
        "sgd_stability_limit_2_over_lambda_max": 1.0,
        "digits": {"model": "MLP 64-100-100-10 ReLU, batch 32", "steps": digit_steps, "per_optimizer": digits},
    }
    _plot_paths(out_dir, result, lang, paths, at_common)
    _plot_sweep_and_digits(out_dir, result, lang, lrs, sweep, curves)
    conclude(result, PANELS, CHECKS, quick)
    result.seconds = time.perf_counter() - started
    return result


# ---- what the numbers say ------------------------------------------------------------------------
def _inf(value):
    return math.inf if value is None else value


def _steps(value, lang: str) -> str:
    return pick(lang, {"en": "never", "ja": "未到達"}) if value is None else str(value)


def _paths_finding(n: dict, lang: str) -> str:
    at, settle = n["steps_to_minimum_at_common_lr"], n["sgd_steps_to_settle_per_axis_at_common_lr"]
    rows = listing(lang, [f"{DISPLAY[k]} {_steps(at[k], lang)}" for k in OPTIMIZERS])
    return pick(lang, {
        "en": f"steps until f stays below {n['tolerance_f']} at ε = {n['common_lr']} (budget {n['step_budget']}): "
              f"{rows}. SGD's steep y direction settles in {settle['y']} steps, its flat x direction in {settle['x']}.",
        "ja": f"ε = {n['common_lr']} で f が {n['tolerance_f']} 未満に留まるまでのステップ数 (上限 {n['step_budget']}): "
              f"{rows}。SGD は急な y 方向が {settle['y']} ステップで落ち着き、緩やかな x 方向は {settle['x']} ステップ"
              "かかる。",
    })


def _sweep_finding(n: dict, lang: str) -> str:
    count, span, best = n["converging_lr_count"], n["converging_lr_range"], n["best_lr_and_steps_on_grid"]
    grid = n["lr_grid"][2]

    def conv(k):
        return f"{DISPLAY[k]} {count[k]}" + (f" ({span[k][0]:.2g}–{span[k][1]:.2g})" if span[k] else "")

    def tuned(k):
        return f"{DISPLAY[k]} {best[k]['steps']} (ε = {best[k]['lr']:.3g})" if best[k] else f"{DISPLAY[k]} –"

    return pick(lang, {
        "en": f"of {grid} learning rates, the minimum is reached with {listing(lang, (conv(k) for k in OPTIMIZERS))}. "
              f"At its own best ε: {listing(lang, (tuned(k) for k in OPTIMIZERS))} steps.",
        "ja": f"{grid} 個の学習率のうち最小点に達した数: {listing(lang, (conv(k) for k in OPTIMIZERS))}。"
              f"各手法の最適な ε でのステップ数: {listing(lang, (tuned(k) for k in OPTIMIZERS))}。",
    })


def _digits_finding(n: dict, lang: str) -> str:
    d = n["digits"]["per_optimizer"]
    key = f"steps_to_train_loss_{TARGET_LOSS}"
    reach = listing(lang, [f"{DISPLAY[k]} {_steps(d[k][key], lang)}" for k in OPTIMIZERS])
    acc = listing(lang, [f"{DISPLAY[k]} {pct(d[k]['test_accuracy'])}" for k in OPTIMIZERS])
    return pick(lang, {
        "en": f"steps (batch 32) to a training loss of {TARGET_LOSS}: {reach}; test accuracy after "
              f"{n['digits']['steps']} steps: {acc}.",
        "ja": f"訓練損失 {TARGET_LOSS} に達するまでのステップ数 (バッチ 32): {reach}。{n['digits']['steps']} ステップ後の"
              f"テスト精度: {acc}。",
    })


STATEMENTS = [
    Statement("common", {
        "en": "Plain SGD takes long to converge, which is why Momentum SGD, Adam and other variants were proposed: "
              "on the valley $f(x, y) = x²/20 + y²$, at the same learning rate, Momentum and Adam reach the minimum "
              "in fewer steps than SGD.",
        "ja": "SGD は収束までに時間を要するため、Momentum SGD や Adam などの様々なアルゴリズムが提案されている。谷 "
              "$f(x, y) = x²/20 + y²$ では、同じ学習率で Momentum と Adam は SGD より少ないステップで最小点に達する。"}),
    Statement("range", {"en": "They also converge over a much wider range of learning rates.",
                        "ja": "収束する学習率の範囲もずっと広い。"}),
    Statement("limit", {
        "en": "SGD's learning rate is capped by the steep direction ($2/λ_max = 1$), so it crawls along the flat one.",
        "ja": "SGD の学習率は急な方向で上限 ($2/λ_max = 1$) が決まるため、緩やかな方向には這うようにしか進まない。"}),
    Statement("tuned", {
        "en": "Given its own best learning rate, just under that limit, plain SGD needs fewer steps than Momentum "
              "and Adam on this 2-D quadratic: their gain here is speed at a common learning rate and the range "
              "that works.",
        "ja": "ただし各手法に最適な学習率を選ぶと、限界のすぐ下の SGD はこの2次元の2次関数では Momentum や Adam より"
              "少ないステップで済む。ここでの後者の利点は、共通の学習率での速さと、うまくいく学習率の範囲の広さである。"}),
    Statement("digits", {
        "en": "On an MLP for digits, at the learning rates of 'Deep Learning from Scratch', Momentum and Adam "
              "reach a training loss of 0.3 before SGD.",
        "ja": "digits の MLP でも、『ゼロから作る Deep Learning』の学習率で Momentum と Adam は SGD より先に訓練損失 "
              "0.3 に達する。"}),
]
CLAIM = claim(STATEMENTS)

PANELS = [
    Panel("paths", "optimizer_paths.png", {"en": "Paths on the valley (figure 1)", "ja": "谷の上の軌跡 (図1)"},
          _paths_finding),
    Panel("sweep", "optimizer_sweep_digits.png",
          {"en": "Steps against learning rate (figure 2, left)", "ja": "学習率とステップ数 (図2 左)"}, _sweep_finding),
    Panel("digits", "optimizer_sweep_digits.png", {"en": "Training on digits (figure 2, right)",
                                                   "ja": "digits での学習 (図2 右)"}, _digits_finding),
]

CHECKS = [
    Check("common", {"en": f"at ε = {COMMON_LR}, Momentum and Adam reach the minimum in fewer steps than SGD",
                     "ja": f"ε = {COMMON_LR} で、Momentum と Adam は SGD より少ないステップで最小点に達する"},
          "common", ("paths",),
          lambda n: max(_inf(n["steps_to_minimum_at_common_lr"][k]) for k in ("momentum", "adam"))
          < _inf(n["steps_to_minimum_at_common_lr"]["sgd"])),
    Check("range", {"en": "Momentum and Adam converge for at least 1.5 times as many learning rates of the grid as SGD",
                    "ja": "Momentum と Adam はグリッド上で SGD の 1.5 倍以上の数の学習率で収束する"}, "range", ("sweep",),
          lambda n: min(n["converging_lr_count"]["momentum"], n["converging_lr_count"]["adam"])
          >= 1.5 * n["converging_lr_count"]["sgd"]),
    Check("capped", {"en": "SGD never reaches the minimum for ε above its limit $2/λ_max = 1$",
                     "ja": "SGD は限界 $2/λ_max = 1$ を超える ε では最小点に達しない"}, "limit", ("sweep",),
          lambda n: n["converging_lr_range"]["sgd"] is not None and n["converging_lr_range"]["sgd"][1] <= 1.0),
    Check("crawls", {"en": f"at ε = {COMMON_LR}, SGD's flat x direction takes over 5 times as many steps to settle "
                           "as its steep y direction",
                     "ja": f"ε = {COMMON_LR} で、SGD の緩やかな x 方向が落ち着くまでのステップ数は急な y 方向の5倍超"},
          "limit", ("paths",),
          lambda n: n["sgd_steps_to_settle_per_axis_at_common_lr"]["x"]
          > 5 * n["sgd_steps_to_settle_per_axis_at_common_lr"]["y"]),
    Check("tuned", {"en": "at each one's best ε on the grid, SGD needs fewer steps than Momentum and Adam",
                    "ja": "グリッド上の各手法に最適な ε では、SGD は Momentum と Adam より少ないステップで済む"},
          "tuned", ("sweep",),
          lambda n: all(n["best_lr_and_steps_on_grid"][k] is not None for k in ("sgd", "momentum", "adam"))
          and n["best_lr_and_steps_on_grid"]["sgd"]["steps"]
          < min(n["best_lr_and_steps_on_grid"][k]["steps"] for k in ("momentum", "adam"))),
    Check("digits", {"en": f"on digits, Momentum and Adam reach train loss {TARGET_LOSS} before SGD",
                     "ja": f"digits で、Momentum と Adam は SGD より先に訓練損失 {TARGET_LOSS} に達する"},
          "digits", ("digits",),
          lambda n: max(_inf(n["digits"]["per_optimizer"][k][f"steps_to_train_loss_{TARGET_LOSS}"])
                        for k in ("momentum", "adam"))
          < _inf(n["digits"]["per_optimizer"]["sgd"][f"steps_to_train_loss_{TARGET_LOSS}"])),
]


def _plot_paths(out_dir, result, lang, paths, at_common) -> None:
    fig, axes = figures.subplots(lang, 2, 3, height=6.6)
    xs, ys = np.meshgrid(np.linspace(-10, 10, 300), np.linspace(-5, 5, 300))
    zs = xs ** 2 / 20 + ys ** 2
    for ax, (name, (points, _)) in zip(axes.ravel(), paths.items(), strict=True):
        ax.contour(xs, ys, zs, levels=np.geomspace(0.01, 10, 12), colors="0.75", linewidths=0.8)
        reached = at_common[name]
        shown = points if reached is None else points[: reached + 1]
        ax.plot(shown[:, 0], shown[:, 1], "o-", ms=2.5, lw=1, color="C3")
        ax.plot(0, 0, "k+", ms=12)
        steps = pick(lang, {"en": f"{reached} steps", "ja": f"{reached} ステップ"}) if reached is not None \
            else pick(lang, {"en": f"not within {len(points) - 1}", "ja": f"{len(points) - 1} ステップで未到達"})
        ax.set(title=f"{DISPLAY[name]} (ε = {COMMON_LR}): {steps}", xlim=(-10, 10), ylim=(-5, 5),
               xlabel="x", ylabel="y")
    caption = pick(lang, {
        "en": f"Paths from (-7, 2) on the contours of f(x, y) = x²/20 + y², every optimizer at ε = {COMMON_LR}, "
              f"drawn until f stays below {TOLERANCE} (or for the whole budget of {STEP_BUDGET} steps); the "
              "title gives the steps it took.",
        "ja": f"f(x, y) = x²/20 + y² の等高線上で (-7, 2) から出発した軌跡 (全手法とも ε = {COMMON_LR})。f が "
              f"{TOLERANCE} 未満に留まるまで (到達しなければ上限の {STEP_BUDGET} ステップまで) を描画し、見出しに"
              "要したステップ数を示す。",
    })
    save_figure(fig, out_dir, "optimizer_paths.png", result, caption)


def _plot_sweep_and_digits(out_dir, result, lang, lrs, sweep, curves) -> None:
    fig, (ax_sweep, ax_digits) = figures.subplots(lang, 1, 2, height=6.6)
    for i, name in enumerate(OPTIMIZERS):
        counts = [np.nan if c is None else c for c in sweep[name]]
        ax_sweep.semilogx(lrs, counts, "o-", ms=3, color=f"C{i}", label=DISPLAY[name])
        curve = curves[name]
        ax_digits.semilogy(curve["step"], curve["loss"], "-", color=f"C{i}",
                           label=f"{DISPLAY[name]} (ε = {BOOK_LR[name]})")
    ax_sweep.axvline(1.0, color="k", ls=":", lw=1,
                     label=pick(lang, {"en": r"SGD limit $2/\lambda_{\max}$", "ja": r"SGD の限界 $2/\lambda_{\max}$"}))
    ax_sweep.axvline(COMMON_LR, color="0.5", ls="--", lw=1, label=pick(lang, {"en": "common ε", "ja": "共通の ε"}))
    ax_sweep.set(title=pick(lang, {"en": f"Steps until f stays below {TOLERANCE}\n(gap = never)",
                                   "ja": f"f が {TOLERANCE} 未満に留まるまでのステップ数\n(途切れ = 未到達)"}),
                 xlabel=pick(lang, {"en": "learning rate ε (log)", "ja": "学習率 ε (対数)"}),
                 ylabel=pick(lang, {"en": "steps", "ja": "ステップ数"}))
    ax_digits.axhline(TARGET_LOSS, color="k", ls=":", lw=1)
    ax_digits.set(title=pick(lang, {"en": "digits: training loss (whole set)", "ja": "digits: 訓練データ全体の損失"}),
                  xlabel=pick(lang, {"en": "step (batch 32)", "ja": "ステップ (バッチ 32)"}),
                  ylabel=pick(lang, {"en": "cross-entropy (log)", "ja": "交差エントロピー (対数)"}))
    ax_sweep.set_ylim(0, result.numbers["step_budget"] * 1.05)
    ax_sweep.legend(ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    ax_digits.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2))  # under the panel: the curves fill it
    for ax in (ax_sweep, ax_digits):
        ax.grid(alpha=0.3)
    caption = pick(lang, {
        "en": "Left: on the valley, steps until f stays below the tolerance against the learning rate (a gap: "
              f"never within {STEP_BUDGET} steps); dotted: SGD's stability limit $2/λ_max = 1$. Right: training loss "
              "on the whole training set of an MLP on digits with each optimizer at the learning rate of 'Deep "
              f"Learning from Scratch'; the dotted line is the target loss {TARGET_LOSS}.",
        "ja": "左: 谷の関数で f が許容値未満に留まるまでのステップ数と学習率の関係 (途切れは "
              f"{STEP_BUDGET} ステップ以内に未到達)。点線は SGD の安定限界 $2/λ_max = 1$。右: digits 上の MLP を"
              "『ゼロから作る Deep Learning』の学習率で各手法により学習させたときの訓練データ全体の損失。点線は目標の"
              f"損失 {TARGET_LOSS}。",
    })
    save_figure(fig, out_dir, "optimizer_sweep_digits.png", result, caption)


TABLES = [
    Table({"en": "On the valley f(x, y) = x²/20 + y²", "ja": "谷 f(x, y) = x²/20 + y² で"},
          rows="steps_to_minimum_at_common_lr", row_header={"en": "optimizer", "ja": "最適化手法"},
          row_names={k: {"en": v, "ja": v} for k, v in DISPLAY.items()},
          columns=[Col("steps_to_minimum_at_common_lr/{row}", {"en": "steps at the common ε", "ja": "共通の ε でのステップ数"}),
                   Col("best_lr_and_steps_on_grid/{row}/lr", {"en": "best ε on the grid", "ja": "グリッド上の最適な ε"}),
                   Col("best_lr_and_steps_on_grid/{row}/steps", {"en": "steps at the best ε", "ja": "最適な ε でのステップ数"}),
                   Col("converging_lr_count/{row}", {"en": "converging ε on the grid", "ja": "収束した ε の数"}),
                   Col("converging_lr_range/{row}", {"en": "converging ε range", "ja": "収束した ε の範囲"})]),
    Table({"en": "On digits", "ja": "digits で"}, rows="digits/per_optimizer",
          row_header={"en": "optimizer", "ja": "最適化手法"}, row_names={k: {"en": v, "ja": v} for k, v in DISPLAY.items()},
          columns=[Col("digits/per_optimizer/{row}/lr", {"en": "ε", "ja": "ε"}),
                   Col("digits/per_optimizer/{row}/steps_to_train_loss_0.3",
                       {"en": "steps to training loss 0.3", "ja": "訓練損失 0.3 までのステップ"}),
                   Col("digits/per_optimizer/{row}/final_train_loss", {"en": "final training loss", "ja": "最終訓練損失"}),
                   Col("digits/per_optimizer/{row}/test_accuracy", {"en": "test accuracy", "ja": "テスト精度"})]),
]
