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
from .base import ExperimentResult, pick, save_figure, start
from .evidence import Check, Panel, Statement, claim, conclude
from .tables import Col, Table

NAME = "learning-rate"
TITLE = {"en": "Learning rate of gradient descent", "ja": "勾配降下法の学習率"}
# Learning rates as fractions of the stability limit ε* = 2 / λ_max of the loss's Hessian.
FRACTIONS = {"too_small": 0.002, "good": 0.5, "near_limit": 0.95, "too_large": 1.1}
LIMIT_MATH = r"$\varepsilon^* = 2/\lambda_{\max}$"  # mathtext: λ_max typed as text shows its underscore
LABELS = {
    "too_small": {"en": "too small", "ja": "小さすぎ"},
    "good": {"en": "good", "ja": "適切"},
    "near_limit": {"en": "near the limit", "ja": "限界付近"},
    "too_large": {"en": "too large", "ja": "大きすぎ"},
}
STEEP_SHOWN = 30  # steps of the steep-direction offset kept in the numbers
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


def steep_offsets(path: np.ndarray, theta: np.ndarray, hessian_matrix: np.ndarray, count: int = STEEP_SHOWN) -> list:
    """The offset of (w, b) from the minimum along the Hessian's steepest eigenvector, per step: each
    step multiplies it by 1 - ελ_max, so its sign flips at every step when ε > 1/λ_max (a zigzag
    across the valley) and it grows when ε > 2/λ_max."""
    _, vectors = np.linalg.eigh(hessian_matrix)
    return [float(v) for v in (path[:count + 1] - theta) @ vectors[:, -1]]


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
    curvature = hessian(x)
    eigenvalues = np.linalg.eigvalsh(curvature)
    limit = 2.0 / eigenvalues.max()
    theta, best = optimum(x, t)

    runs = {}
    for key, fraction in FRACTIONS.items():
        lr = float(f"{fraction * limit:.3g}")
        losses, path = descend(x, t, lr, steps)
        runs[key] = {"lr": lr, "lr_over_limit": lr / limit, "losses": losses, "path": path,
                     **summarize(losses, best, steps), "steep_offset_per_step": steep_offsets(path, theta, curvature)}
    table = {k: {c: v for c, v in r.items() if c not in ("losses", "path")} for k, r in runs.items()}
    result.numbers = {
        "hessian_eigenvalues": [float(v) for v in eigenvalues],
        "stability_limit_2_over_lambda_max": float(limit),
        "least_squares_w_b": [float(v) for v in theta],
        "least_squares_loss": best,
        "steps": steps, "samples": n,
        "runs": table,
    }
    _plot(out_dir, result, lang, runs, x, t, theta, limit)
    conclude(result, PANELS, CHECKS, quick)
    result.seconds = time.perf_counter() - started
    return result


# ---- what the numbers say ------------------------------------------------------------------------
def _zigzags(offsets) -> bool:
    """The steep-direction offset changes sign at every step (a zigzag across the valley)."""
    return all(a * b < 0 for a, b in zip(offsets, offsets[1:], strict=False))


def _factor(offsets) -> float:
    """The geometric-mean factor by which the steep-direction offset's size changes per step."""
    sizes = np.abs(np.array(offsets, dtype=float))
    sizes = sizes[sizes > 0]
    return float(np.exp(np.mean(np.diff(np.log(sizes))))) if len(sizes) > 1 else float("nan")


def _loss_finding(n: dict, lang: str) -> str:
    r = n["runs"]
    small, good, near, large = (r[k] for k in ("too_small", "good", "near_limit", "too_large"))

    def steps(run):
        return "–" if run["steps_to_1e-3_excess"] is None else str(run["steps_to_1e-3_excess"])

    blow = "–" if large["diverged_at_step"] is None else str(large["diverged_at_step"])
    return pick(lang, {
        "en": f"$2/λ_max$ = {n['stability_limit_2_over_lambda_max']:.3g}. Too small (ε = {small['lr']:.3g}): after "
              f"{n['steps']} steps the excess loss is still {small['final_excess_over_initial']:.0%} of the start's; "
              f"good (ε = {good['lr']:.3g}): within 1e-3 of it after {steps(good)} steps; near the limit "
              f"(ε = {near['lr']:.3g}): after {steps(near)} steps; too large (ε = {large['lr']:.3g}): the loss "
              f"passes {BLOW_UP:.0e} times its start at step {blow}.",
        "ja": f"$2/λ_max$ = {n['stability_limit_2_over_lambda_max']:.3g}。小さすぎ (ε = {small['lr']:.3g}): "
              f"{n['steps']} ステップ後も最小値との差は初期の {small['final_excess_over_initial']:.0%}。適切 "
              f"(ε = {good['lr']:.3g}): {steps(good)} ステップで初期の差の 1e-3 以内。限界付近 (ε = {near['lr']:.3g}): "
              f"{steps(near)} ステップ。大きすぎ (ε = {large['lr']:.3g}): ステップ {blow} で損失が初期の "
              f"{BLOW_UP:.0e} 倍を超える。",
    })


def _paths_finding(n: dict, lang: str) -> str:
    r = n["runs"]
    near, large = r["near_limit"]["steep_offset_per_step"], r["too_large"]["steep_offset_per_step"]
    good = r["good"]["steep_offset_per_step"]
    flips = {k: sum(a * b < 0 for a, b in zip(v, v[1:], strict=False)) for k, v in (("near", near), ("large", large))}
    return pick(lang, {
        "en": f"along the valley's steep direction, (w, b) crosses the floor at {flips['near']} of the first "
              f"{len(near) - 1} steps near the limit, its offset shrinking ×{_factor(near):.2f} per step, and at "
              f"{flips['large']} of {len(large) - 1} steps when too large, growing ×{_factor(large):.2f} per step; "
              f"the good ε, half the limit, takes it from {abs(good[0]):.2f} to {abs(good[1]):.1e} in one step.",
        "ja": f"谷の急な方向に沿って見ると、限界付近では最初の {len(near) - 1} ステップ中 {flips['near']} 回で (w, b) が"
              f"谷底をまたぎ、ずれは1ステップごとに ×{_factor(near):.2f} で縮む。大きすぎる ε では "
              f"{len(large) - 1} ステップ中 {flips['large']} 回またぎ、×{_factor(large):.2f} で広がる。限界の半分の適切な "
              f"ε では、ずれは1ステップで {abs(good[0]):.2f} から {abs(good[1]):.1e} になる。",
    })


STATEMENTS = [
    Statement("good", {
        "en": "Gradient descent moves the weights against the gradient, scaled by the learning rate ε; a good ε "
              "converges quickly.",
        "ja": "勾配降下法は重みを勾配と逆向きに学習率 ε 倍だけ動かし、適切な ε なら速く収束する。"}),
    Statement("small", {"en": "Too small an ε crawls towards the minimum.",
                        "ja": "ε が小さすぎると最小値へ這うように進む。"}),
    Statement("large", {
        "en": "Too large an ε overshoots further at every step and diverges, so no solution is found: the limit "
              "is $2/λ_max$ ($λ_max$ the largest eigenvalue of the loss's Hessian).",
        "ja": "ε が大きすぎると毎ステップ行き過ぎが大きくなって発散し、解が得られない。その限界は $2/λ_max$ "
              "($λ_max$ は損失のヘッセ行列の最大固有値)。"}),
    Statement("near", {"en": "Just under the limit the weights zigzag across the valley but still converge.",
                       "ja": "限界のすぐ下では重みは谷をジグザグに横切りながらも収束する。"}),
]
CLAIM = claim(STATEMENTS)

PANELS = [
    Panel("loss", "learning_rate.png", {"en": "Loss per step (left)", "ja": "ステップごとの損失 (左)"}, _loss_finding),
    Panel("paths", "learning_rate.png", {"en": "Paths of (w, b) (right)", "ja": "(w, b) の軌跡 (右)"}, _paths_finding),
]

CHECKS = [
    Check("good", {"en": "good ε converges (excess loss < 1e-6 of the start's, within 1e-3 of it in < 20 steps)",
                   "ja": "適切な ε は収束する (最小値との差が初期の 1e-6 未満、20 ステップ未満で 1e-3 以内)"},
          "good", ("loss",),
          lambda n: n["runs"]["good"]["diverged_at_step"] is None
          and abs(n["runs"]["good"]["final_excess_over_initial"]) < 1e-6
          and (n["runs"]["good"]["steps_to_1e-3_excess"] or 10**9) < 20),
    Check("good_path", {"en": "good ε (half the limit) removes the steep offset in one step (to < 1% of it)",
                        "ja": "適切な ε (限界の半分) は急な方向のずれを1ステップで消す (1% 未満に)"}, "good", ("paths",),
          lambda n: abs(n["runs"]["good"]["steep_offset_per_step"][1])
          < 0.01 * abs(n["runs"]["good"]["steep_offset_per_step"][0])),
    Check("small", {"en": "too small ε crawls (excess loss still > 10% of the start's)",
                    "ja": "小さすぎる ε は這うように進む (最小値との差が初期の 10% 超のまま)"}, "small", ("loss",),
          lambda n: n["runs"]["too_small"]["diverged_at_step"] is None
          and n["runs"]["too_small"]["final_excess_over_initial"] > 0.1),
    Check("large", {"en": "too large ε (> $2/λ_max$) diverges", "ja": "大きすぎる ε (> $2/λ_max$) は発散する"},
          "large", ("loss",), lambda n: n["runs"]["too_large"]["diverged_at_step"] is not None),
    Check("overshoots", {"en": "too large ε overshoots further at every step (steep offset flips sign and grows)",
                         "ja": "大きすぎる ε は毎ステップ行き過ぎが大きくなる (急な方向のずれが符号を変えながら広がる)"},
          "large", ("paths",),
          lambda n: _zigzags(n["runs"]["too_large"]["steep_offset_per_step"])
          and all(abs(b) > abs(a) for a, b in zip(n["runs"]["too_large"]["steep_offset_per_step"],
                                                  n["runs"]["too_large"]["steep_offset_per_step"][1:], strict=False))),
    Check("near", {"en": "ε just under the limit still converges", "ja": "限界のすぐ下の ε はまだ収束する"}, "near",
          ("loss",), lambda n: n["runs"]["near_limit"]["diverged_at_step"] is None
          and n["runs"]["near_limit"]["final_excess_over_initial"] < 1e-3),
    Check("zigzag", {"en": "just under the limit the steep offset flips sign at every step and shrinks",
                     "ja": "限界のすぐ下では急な方向のずれが毎ステップ符号を変えながら縮む"}, "near", ("paths",),
          lambda n: _zigzags(n["runs"]["near_limit"]["steep_offset_per_step"])
          and _factor(n["runs"]["near_limit"]["steep_offset_per_step"]) < 1),
]


def _plot(out_dir, result, lang, runs, x, t, theta, limit) -> None:
    fig, (ax_loss, ax_path) = figures.subplots(lang, 1, 2, height=6.4)
    for i, (key, r) in enumerate(runs.items()):
        label = f"{pick(lang, LABELS[key])}: ε = {r['lr']:.3g} ({r['lr_over_limit']:.3g} ε*)"
        ax_loss.semilogy(np.arange(len(r["losses"])), r["losses"], "-", color=f"C{i}", label=label)
        large = key == "too_large"
        path = r["path"][:8] if large else r["path"]  # the rest of a diverging path is far off the plot
        ax_path.plot(path[:, 0], path[:, 1], "--o" if large else "-o", ms=2.5, lw=1, alpha=0.6 if large else 1,
                     color=f"C{i}", label=label, zorder=1 if large else 2)
    ax_loss.axhline(result.numbers["least_squares_loss"], color="k", ls=":", lw=1,
                    label=pick(lang, {"en": "least-squares minimum", "ja": "最小二乗解の損失"}))
    ax_loss.set(title=pick(lang, {"en": f"MSE per step ({LIMIT_MATH} = {limit:.3g})",
                                  "ja": f"ステップごとの二乗誤差 ({LIMIT_MATH} = {limit:.3g})"}),
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
    for ax in (ax_loss, ax_path):  # under the panels: the runs fill them
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16))
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
