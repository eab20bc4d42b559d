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
from .base import ExperimentResult, checks, pick, save_figure, start
from .tables import Col, Table

NAME = "optimizers"
TITLE = {"en": "Optimizers: SGD, Momentum, Nesterov, AdaGrad, RMSProp, Adam",
         "ja": "最適化手法: SGD・Momentum・Nesterov・AdaGrad・RMSProp・Adam"}
CLAIM = {
    "en": "Plain SGD takes long to converge, which is why Momentum SGD, Adam and other variants were "
          "proposed. On the valley $f(x, y) = x²/20 + y²$, Momentum and Adam reach the minimum in fewer steps "
          "than SGD at the same learning rate and converge over a much wider range of learning rates; "
          "SGD's learning rate is capped by the steep direction, so it crawls along the flat one.",
    "ja": "SGD は収束までに時間を要するため、Momentum SGD や Adam などの様々なアルゴリズムが提案されている。"
          "谷 $f(x, y) = x²/20 + y²$ では、同じ学習率で Momentum と Adam は SGD より少ないステップで最小点に"
          "達し、収束する学習率の範囲もずっと広い。SGD の学習率は急な方向で上限が決まるため、緩やかな方向には"
          "這うようにしか進まない。",
}

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
        "best_lr_and_steps_on_grid": best,
        "lr_grid": [float(lrs[0]), float(lrs[-1]), grid],
        "converging_lr_range": {n: [v[0], v[-1]] if v else None for n, v in converging.items()},
        "converging_lr_count": {n: len(v) for n, v in converging.items()},
        "sgd_stability_limit_2_over_lambda_max": 1.0,
        "digits": {"model": "MLP 64-100-100-10 ReLU, batch 32", "steps": digit_steps, "per_optimizer": digits},
    }
    inf = math.inf
    common = {n: inf if v is None else v for n, v in at_common.items()}
    target_key = f"steps_to_train_loss_{TARGET_LOSS}"
    reach = {n: inf if d[target_key] is None else d[target_key] for n, d in digits.items()}
    result.checks = checks(lang, [
        ({"en": f"at ε = {COMMON_LR}, Momentum and Adam reach the minimum in fewer steps than SGD",
          "ja": f"ε = {COMMON_LR} で、Momentum と Adam は SGD より少ないステップで最小点に達する"},
         max(common["momentum"], common["adam"]) < common["sgd"]),
        ({"en": "Momentum and Adam converge for more learning rates of the grid than SGD",
          "ja": "Momentum と Adam はグリッド上で SGD より多くの学習率で収束する"},
         min(len(converging["momentum"]), len(converging["adam"])) > len(converging["sgd"])),
        ({"en": "SGD never reaches the minimum for ε above its limit 2/λ_max = 1",
          "ja": "SGD は限界 2/λ_max = 1 を超える ε では最小点に達しない"},
         all(c is None for c, lr in zip(sweep["sgd"], lrs, strict=True) if lr > 1.0)),
        ({"en": f"on digits, Momentum and Adam reach train loss {TARGET_LOSS} before SGD",
          "ja": f"digits で、Momentum と Adam は SGD より先に訓練損失 {TARGET_LOSS} に達する"},
         max(reach["momentum"], reach["adam"]) < reach["sgd"]),
    ])
    result.notes.append(_tuned_note(lang, best))
    _plot_paths(out_dir, result, lang, paths, at_common)
    _plot_sweep_and_digits(out_dir, result, lang, lrs, sweep, curves)
    result.seconds = time.perf_counter() - started
    return result


def _tuned_note(lang, best) -> str:
    """What happens when each optimizer gets its own best learning rate, worded from the sweep."""
    def text(name):
        b = best[name]
        return f"{DISPLAY[name]} {b['steps']} (ε = {b['lr']:.3g})" if b else f"{DISPLAY[name]} -"

    sgd = best["sgd"]["steps"] if best["sgd"] else math.inf
    beaten = [DISPLAY[n] for n in ("momentum", "adam") if best[n] and best[n]["steps"] > sgd]
    rows = ", ".join(text(n) for n in OPTIMIZERS)
    if beaten:
        return pick(lang, {
            "en": f"Tuned separately (best ε on the grid), the steps to the minimum are: {rows}. At its best ε, "
                  f"just under the limit 1, SGD needs fewer steps than {' and '.join(beaten)} (μ = 0.9, "
                  "β = (0.9, 0.999)) on this 2-D quadratic; their advantage here is speed at a common ε and a "
                  "much wider range of ε that works.",
            "ja": f"手法ごとに最適な ε (グリッド上) を選ぶと、最小点までのステップ数は {rows}。限界 1 の手前の最適な "
                  f"ε では、この2次元の2次関数に限り SGD は {' と '.join(beaten)} (μ = 0.9, β = (0.9, 0.999)) より"
                  "少ないステップで済む。ここでの後者の利点は、共通の ε での速さと、うまくいく ε の範囲の広さである。",
        })
    return pick(lang, {"en": f"Tuned separately (best ε on the grid), the steps to the minimum are: {rows}.",
                       "ja": f"手法ごとに最適な ε (グリッド上) を選ぶと、最小点までのステップ数は {rows}。"})


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
    adagrad = pick(lang, {"en": "never arrives within the budget at this ε" if at_common["adagrad"] is None
                          else f"arrives only after {at_common['adagrad']} steps",
                          "ja": "この ε では予算内に到達しない" if at_common["adagrad"] is None
                          else f"到達まで {at_common['adagrad']} ステップかかる"})
    caption = pick(lang, {
        "en": f"Paths from (-7, 2) on the contours of f(x, y) = x²/20 + y², every optimizer at ε = {COMMON_LR}, "
              f"drawn until f stays below {TOLERANCE}. SGD drops into the valley and then crawls along it; "
              "Momentum and Nesterov overshoot and swing back but get there sooner; AdaGrad's step shrinks "
              f"with its accumulated squared gradients and it {adagrad}; RMSProp and Adam move at a "
              "similar speed along both axes.",
        "ja": f"f(x, y) = x²/20 + y² の等高線上で (-7, 2) から出発した軌跡 (全手法とも ε = {COMMON_LR})。"
              f"f が {TOLERANCE} 未満に留まるまでを描画。SGD は谷底に落ちた後、谷に沿って這うように進む。"
              "Momentum と Nesterov は行き過ぎて戻りながらも早く到達する。AdaGrad は勾配の二乗和の蓄積で"
              f"歩幅が縮み、{adagrad}。RMSProp と Adam は両方の軸に同程度の速さで進む。",
    })
    save_figure(fig, out_dir, "optimizer_paths.png", result, caption)


def _plot_sweep_and_digits(out_dir, result, lang, lrs, sweep, curves) -> None:
    fig, (ax_sweep, ax_digits) = figures.subplots(lang, 1, 2, height=6.2)
    for i, name in enumerate(OPTIMIZERS):
        counts = [np.nan if c is None else c for c in sweep[name]]
        ax_sweep.semilogx(lrs, counts, "o-", ms=3, color=f"C{i}", label=DISPLAY[name])
        curve = curves[name]
        ax_digits.semilogy(curve["step"], curve["loss"], "-", color=f"C{i}",
                           label=f"{DISPLAY[name]} (ε = {BOOK_LR[name]})")
    ax_sweep.axvline(1.0, color="k", ls=":", lw=1, label=pick(lang, {"en": "SGD limit 2/λ_max", "ja": "SGD の限界 2/λ_max"}))
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
    ax_digits.legend()
    for ax in (ax_sweep, ax_digits):
        ax.grid(alpha=0.3)
    sgd_best = result.numbers["best_lr_and_steps_on_grid"]["sgd"]
    sgd_steps = sgd_best["steps"] if sgd_best else "-"
    caption = pick(lang, {
        "en": "Left: on the valley, steps to reach the minimum against the learning rate. SGD converges only "
              f"in a narrow band below its stability limit 2/λ_max = 1 (at best it needs {sgd_steps} steps "
              "there); the others converge "
              "over a much wider range. Right: training loss of an MLP on digits with each optimizer at the "
              f"learning rate of 'Deep Learning from Scratch'; the dotted line is the target loss {TARGET_LOSS}.",
        "ja": "左: 谷の関数で最小点に達するまでのステップ数と学習率の関係。SGD は安定限界 2/λ_max = 1 の手前の"
              f"狭い範囲でしか収束しない (そこでの最少は {sgd_steps} ステップ)。他の手法はずっと広い範囲で収束する。右: digits 上の MLP を『ゼロから作る Deep Learning』"
              f"の学習率で各手法により学習させたときの訓練損失。点線は目標の損失 {TARGET_LOSS}。",
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
