r"""The learning rate ε of gradient descent: too small crawls, a good one converges, too large diverges.

Gradient descent :math:`\theta \leftarrow \theta - \varepsilon \nabla L(\theta)` on a linear
regression :math:`y = wx + b` with the mean squared error
:math:`L = \frac1N \sum_n (w x_n + b - t_n)^2`. The loss is a quadratic with Hessian
:math:`H = \frac2N \sum_n (x_n, 1)^\top (x_n, 1)`; along each eigenvector of :math:`H`
(eigenvalue :math:`\lambda`) the distance to the minimum is multiplied by :math:`1 - \varepsilon\lambda`
per step. So the descent converges exactly when :math:`\varepsilon < \varepsilon^* = 2/\lambda_{max}`,
oscillates when :math:`\varepsilon > 1/\lambda_{max}`, diverges above :math:`\varepsilon^*`, and
crawls when :math:`\varepsilon\lambda \ll 1`.

Measured here, with the library's ``Linear``, ``MSELoss`` and ``SGD`` on the whole data set each
step: the loss per step for learning rates at fixed fractions of :math:`\varepsilon^*`, the excess
over the least-squares optimum, the steps to get within a factor :math:`10^{-3}` of the start's
excess, and the step at which a run blows up.
"""

from __future__ import annotations

import math
import time

import numpy as np

from ..nn import Linear, MSELoss
from ..optim import SGD
from . import figures
from .base import ExperimentResult, checks, pick, save_figure, start
from .tables import Col, Table

NAME = "learning-rate"
TITLE = {"en": "Learning rate of gradient descent", "ja": "勾配降下法の学習率"}
CLAIM = {
    "en": "Gradient descent moves the weights against the gradient, scaled by the learning rate ε. "
          "If ε is not set well it hurts more than the speed of learning: too small an ε crawls towards "
          "the minimum, a good one converges quickly, and too large an ε overshoots further at every "
          "step and diverges, so no solution is found.",
    "ja": "勾配降下法は重みを勾配と逆向きに学習率 ε 倍だけ動かす。ε を適切に設定しないと学習効率に影響する"
          "だけでなく、発散して解が得られないこともある。ε が小さすぎると最小値へ這うように進み、適切なら"
          "速く収束し、大きすぎると毎ステップ行き過ぎが大きくなって発散する。",
}

# Learning rates as fractions of the stability limit ε* = 2 / λ_max of the loss's Hessian.
FRACTIONS = {"too_small": 0.002, "good": 0.5, "near_limit": 0.95, "too_large": 1.1}
LABELS = {
    "too_small": {"en": "too small", "ja": "小さすぎ"},
    "good": {"en": "good", "ja": "適切"},
    "near_limit": {"en": "near the limit", "ja": "限界付近"},
    "too_large": {"en": "too large", "ja": "大きすぎ"},
}
BLOW_UP = 1e6  # a run whose loss exceeds BLOW_UP x the initial loss (or is not finite) has diverged


def make_data(rng, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points ``t = 2x - 1 + 0.5 N(0, 1)`` with ``x ~ N(0, 2^2)`` (float32)."""
    x = 2.0 * rng.standard_normal((n, 1))
    t = 2.0 * x - 1.0 + 0.5 * rng.standard_normal((n, 1))
    return x.astype(np.float32), t.astype(np.float32)


def hessian(x: np.ndarray) -> np.ndarray:
    """Hessian of the mean squared error with respect to (w, b)."""
    design = np.hstack([x.astype(np.float64), np.ones_like(x, dtype=np.float64)])
    return 2.0 * design.T @ design / len(x)


def optimum(x, t) -> tuple[np.ndarray, float]:
    """Least-squares (w, b) and its loss."""
    design = np.hstack([x.astype(np.float64), np.ones_like(x, dtype=np.float64)])
    theta, *_ = np.linalg.lstsq(design, t.astype(np.float64), rcond=None)
    return theta.ravel(), float(np.mean((design @ theta - t) ** 2))


def descend(x, t, lr: float, steps: int) -> tuple[list[float], np.ndarray]:
    """Full-batch gradient descent from w = b = 0: losses per step (index 0 = start) and the
    (w, b) path; stops early once the loss blows up."""
    model = Linear(1, 1, init="zeros", dtype=np.float32)
    loss_fn, optimizer = MSELoss(), SGD(model.parameters(), lr=lr)
    losses, path = [], []
    for _ in range(steps + 1):
        path.append((float(model.weight.data[0, 0]), float(model.bias.data[0])))
        loss = loss_fn(model(x), t)
        losses.append(loss)
        if not math.isfinite(loss) or loss > BLOW_UP * losses[0] or len(losses) == steps + 1:
            break
        optimizer.zero_grad()
        model.backward(loss_fn.backward())
        optimizer.step()
    return losses, np.array(path)


def summarize(losses: list[float], best: float, steps: int) -> dict:
    excess = np.array(losses) - best
    diverged = not math.isfinite(losses[-1]) or losses[-1] > BLOW_UP * losses[0]
    within = np.nonzero(np.abs(excess) <= 1e-3 * excess[0])[0]
    return {
        "initial_loss": losses[0],
        "final_loss": losses[-1] if math.isfinite(losses[-1]) else str(losses[-1]),
        "final_excess_over_initial": float(excess[-1] / excess[0]) if math.isfinite(losses[-1]) else None,
        "steps_to_1e-3_excess": int(within[0]) if len(within) else None,
        "diverged_at_step": len(losses) - 1 if diverged else None,
        "steps_run": min(len(losses) - 1, steps),
    }


def run(out_dir, quick: bool = False, lang: str = "en", seed: int = 0) -> ExperimentResult:
    result, out_dir, started = start(NAME, TITLE, CLAIM, out_dir, lang)
    n, steps = (200, 60) if quick else (1000, 200)
    x, t = make_data(np.random.default_rng(seed), n)
    eigenvalues = np.linalg.eigvalsh(hessian(x))
    limit = 2.0 / eigenvalues.max()
    theta, best = optimum(x, t)

    runs = {}
    for key, fraction in FRACTIONS.items():
        lr = float(f"{fraction * limit:.3g}")
        losses, path = descend(x, t, lr, steps)
        runs[key] = {"lr": lr, "lr_over_limit": lr / limit, "losses": losses, "path": path,
                     **summarize(losses, best, steps)}
    table = {k: {c: v for c, v in r.items() if c not in ("losses", "path")} for k, r in runs.items()}
    result.numbers = {
        "hessian_eigenvalues": [float(v) for v in eigenvalues],
        "stability_limit_2_over_lambda_max": float(limit),
        "least_squares_w_b": [float(v) for v in theta],
        "least_squares_loss": best,
        "steps": steps, "samples": n,
        "runs": table,
    }
    small, good, large = table["too_small"], table["good"], table["too_large"]
    result.checks = checks(lang, [
        ({"en": "too large ε (> $2/λ_max$) diverges", "ja": "大きすぎる ε (> $2/λ_max$) は発散する"},
         large["diverged_at_step"] is not None),
        ({"en": "good ε converges (excess loss < 1e-6 of the start's)",
          "ja": "適切な ε は収束する (最小値との差が初期の 1e-6 未満)"},
         good["diverged_at_step"] is None and abs(good["final_excess_over_initial"]) < 1e-6),
        ({"en": "too small ε crawls (excess loss still > 10% of the start's)",
          "ja": "小さすぎる ε は這うように進む (最小値との差が初期の 10% 超のまま)"},
         small["diverged_at_step"] is None and small["final_excess_over_initial"] > 0.1),
        ({"en": "ε just under the limit still converges", "ja": "限界のすぐ下の ε はまだ収束する"},
         table["near_limit"]["diverged_at_step"] is None and table["near_limit"]["final_excess_over_initial"] < 1.0),
    ])
    _plot(out_dir, result, lang, runs, x, t, theta, limit)
    result.seconds = time.perf_counter() - started
    return result


def _plot(out_dir, result, lang, runs, x, t, theta, limit) -> None:
    fig, (ax_loss, ax_path) = figures.subplots(lang, 1, 2, height=4.6)
    for i, (key, r) in enumerate(runs.items()):
        label = f"{pick(lang, LABELS[key])}: ε = {r['lr']:.3g} ({r['lr_over_limit']:.3g} ε*)"
        ax_loss.semilogy(np.arange(len(r["losses"])), r["losses"], "-", color=f"C{i}", label=label)
        large = key == "too_large"
        path = r["path"][:8] if large else r["path"]  # the rest of a diverging path is far off the plot
        ax_path.plot(path[:, 0], path[:, 1], "--o" if large else "-o", ms=2.5, lw=1, alpha=0.6 if large else 1,
                     color=f"C{i}", label=label, zorder=1 if large else 2)
    ax_loss.axhline(result.numbers["least_squares_loss"], color="k", ls=":", lw=1,
                    label=pick(lang, {"en": "least-squares minimum", "ja": "最小二乗解の損失"}))
    ax_loss.set(title=pick(lang, {"en": f"MSE per step (ε* = 2/λ_max = {limit:.3g})",
                                  "ja": f"ステップごとの二乗誤差 (ε* = 2/λ_max = {limit:.3g})"}),
                xlabel=pick(lang, {"en": "step", "ja": "ステップ"}),
                ylabel=pick(lang, {"en": "mean squared error (log)", "ja": "平均二乗誤差 (対数)"}),
                ylim=(result.numbers["least_squares_loss"] * 0.5, runs["good"]["losses"][0] * 1e3))
    w0, b0 = theta
    w = np.linspace(-1.0, w0 + 3.0, 200)
    b = np.linspace(-3.0, 1.5, 200)
    ww, bb = np.meshgrid(w, b)
    x64, t64 = x.astype(np.float64).ravel(), t.astype(np.float64).ravel()
    mse = ((ww[..., None] * x64 + bb[..., None] - t64) ** 2).mean(axis=-1)
    ax_path.contour(ww, bb, mse, levels=np.geomspace(mse.min() * 1.01, mse.max(), 14), colors="0.7",
                    linewidths=0.8)
    ax_path.plot([w0], [b0], "k*", ms=12, label=pick(lang, {"en": "minimum", "ja": "最小点"}))
    ax_path.set(title=pick(lang, {"en": "Paths of (w, b) on the loss contours",
                                  "ja": "損失の等高線上の (w, b) の軌跡"}),
                xlabel=pick(lang, {"en": "weight w", "ja": "重み w"}),
                ylabel=pick(lang, {"en": "bias b", "ja": "バイアス b"}),
                xlim=(w[0], w[-1]), ylim=(b[0], b[-1]))
    ax_loss.legend(loc="upper right")
    ax_path.legend(loc="lower left")
    for ax in (ax_loss, ax_path):
        ax.grid(alpha=0.3)
    caption = pick(lang, {
        "en": "Left: loss per step of full-batch gradient descent on a linear regression for four learning "
              "rates. Too small barely moves, good reaches the least-squares minimum, near the limit $2/λ_max$ "
              "zigzags but converges, and above the limit the loss explodes. Right: the same runs as paths "
              "of (w, b); the too-large run leaves the plot within a few steps.",
        "ja": "左: 線形回帰に対する (全データの) 勾配降下法の、4 つの学習率でのステップごとの損失。小さすぎると"
              "ほとんど進まず、適切なら最小二乗解に達し、限界 $2/λ_max$ 付近ではジグザグしながら収束し、限界を"
              "超えると損失が爆発する。右: 同じ実行の (w, b) の軌跡。大きすぎる学習率は数ステップで図の外へ出る。",
    })
    save_figure(fig, out_dir, "learning_rate.png", result, caption)

TABLES = [
    Table({"en": "Per learning rate", "ja": "学習率ごと"}, rows="runs",
          row_header={"en": "learning rate", "ja": "学習率"},
          row_names={"too_small": {"en": "too small", "ja": "小さすぎる"}, "good": {"en": "good", "ja": "適切"},
                     "near_limit": {"en": "near the limit", "ja": "限界付近"},
                     "too_large": {"en": "too large", "ja": "大きすぎる"}},
          columns=[Col("runs/{row}/lr", {"en": "ε", "ja": "ε"}),
                   Col("runs/{row}/lr_over_limit", {"en": "$ε / (2/λ_max)$", "ja": "$ε / (2/λ_max)$"}),
                   Col("runs/{row}/initial_loss", {"en": "initial loss", "ja": "初期損失"}),
                   Col("runs/{row}/final_loss", {"en": "final loss", "ja": "最終損失"}),
                   Col("runs/{row}/steps_to_1e-3_excess", {"en": "steps to within 1e-3", "ja": "誤差 1e-3 までのステップ"}),
                   Col("runs/{row}/diverged_at_step", {"en": "diverged at step", "ja": "発散したステップ"})]),
    Table({"en": "The problem", "ja": "問題の設定"}, columns=[
        Col("stability_limit_2_over_lambda_max", {"en": "stability limit $2/λ_max$", "ja": "安定限界 $2/λ_max$"}),
        Col("hessian_eigenvalues", {"en": "Hessian eigenvalues", "ja": "ヘッセ行列の固有値"}),
        Col("least_squares_loss", {"en": "least-squares loss", "ja": "最小二乗解の損失"}),
        Col("steps", {"en": "steps", "ja": "ステップ数"}),
        Col("samples", {"en": "samples", "ja": "サンプル数"})]),
]
