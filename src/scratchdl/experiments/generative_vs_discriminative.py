r"""Generative vs discriminative classifiers on ``digits``.

A discriminative model learns :math:`p(y \mid x)` directly: here softmax regression and an MLP,
trained with scratchdl. A generative model learns how each class produces its images,
:math:`p(x \mid y)`, and the class frequencies :math:`p(y)`; it classifies with Bayes' rule

.. math::
    p(y \mid x) = \frac{p(x \mid y)\, p(y)}{\sum_{y'} p(x \mid y')\, p(y')},

and, unlike the discriminative one, it can *generate*: draw :math:`x \sim p(x \mid y)` for a
chosen class. Low-dimensional label in, high-dimensional image out.

The generative model here is a Gaussian per class with a low-rank-plus-noise covariance
(probabilistic PCA, Tipping & Bishop 1999): :math:`x = \mu_y + W_y z + \varepsilon`,
:math:`z \sim N(0, I_k)`, :math:`\varepsilon \sim N(0, \sigma_y^2 I)`, so
:math:`p(x \mid y) = N(\mu_y, W_y W_y^\top + \sigma_y^2 I)`. Its maximum-likelihood fit is closed
form from the eigen-decomposition :math:`U \Lambda U^\top` of the class covariance:
:math:`\sigma^2` = mean of the :math:`d - k` discarded eigenvalues,
:math:`W = U_k (\Lambda_k - \sigma^2 I)^{1/2}`. A diagonal Gaussian per class (naive Bayes) is
measured alongside. Samples are checked by asking the trained MLP which digit each one is.
"""

from __future__ import annotations

import time

import numpy as np

from ..data import load_splits
from ..models import MLP
from ..nn import CrossEntropyLoss
from ..optim import Adam
from ..train import evaluate, fit
from ..train.evaluate import predict_logits
from . import figures
from .base import ExperimentResult, pick, save_figure, single_threaded, start
from .evidence import Check, Panel, Statement, claim, conclude, listing, pct
from .tables import Col, Table

NAME = "generative-vs-discriminative"
TITLE = {"en": "Generative vs discriminative models on digits",
         "ja": "digits での生成モデルと識別モデル"}
LATENT = 10  # k, dimensions of z per class
SAMPLES_PER_CLASS = 12


class GaussianClassifier:
    """Class-conditional Gaussians p(x|y) with covariance ``W W^T + s2 I`` (``latent`` > 0, PPCA)
    or a diagonal covariance (``latent`` = 0, naive Bayes), and class priors p(y)."""

    def __init__(self, latent: int = LATENT, floor: float = 1e-3):
        self.latent, self.floor = latent, floor

    def fit(self, x, t, num_classes: int):
        x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
        self.log_prior = np.log(np.bincount(t, minlength=num_classes) / len(t))
        self.mean, self.factor, self.noise, self.diag = [], [], [], []
        for c in range(num_classes):
            xc = x[t == c]
            mu = xc.mean(axis=0)
            if self.latent == 0:
                self.diag.append(xc.var(axis=0) + self.floor)
                self.mean.append(mu)
                continue
            eigenvalues, vectors = np.linalg.eigh(np.cov(xc, rowvar=False, bias=True))
            eigenvalues, vectors = eigenvalues[::-1], vectors[:, ::-1]
            k = min(self.latent, len(xc) - 1)
            s2 = max(float(eigenvalues[k:].mean()), self.floor)
            self.mean.append(mu)
            self.factor.append(vectors[:, :k] * np.sqrt(np.maximum(eigenvalues[:k] - s2, 0)))
            self.noise.append(s2)
        return self

    def covariance(self, c: int) -> np.ndarray:
        if self.latent == 0:
            return np.diag(self.diag[c])
        w = self.factor[c]
        return w @ w.T + self.noise[c] * np.eye(len(w))

    def log_likelihood(self, x) -> np.ndarray:
        """log p(x|y) for every sample and class, shape (N, C), through a Cholesky factor."""
        x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
        out = []
        for c, mu in enumerate(self.mean):
            chol = np.linalg.cholesky(self.covariance(c))
            solved = np.linalg.solve(chol, (x - mu).T)
            log_det = 2 * np.log(np.diag(chol)).sum()
            out.append(-0.5 * ((solved**2).sum(axis=0) + log_det + len(mu) * np.log(2 * np.pi)))
        return np.stack(out, axis=1)

    def posterior(self, x) -> np.ndarray:
        """p(y|x) by Bayes' rule, normalized with log-sum-exp."""
        joint = self.log_likelihood(x) + self.log_prior
        joint -= joint.max(axis=1, keepdims=True)
        p = np.exp(joint)
        return p / p.sum(axis=1, keepdims=True)

    def sample(self, c: int, n: int, rng) -> np.ndarray:
        """n draws of x ~ p(x|y=c)."""
        if self.latent == 0:
            return self.mean[c] + rng.standard_normal((n, len(self.mean[c]))) * np.sqrt(self.diag[c])
        w = self.factor[c]
        z = rng.standard_normal((n, w.shape[1]))
        noise = rng.standard_normal((n, len(w))) * np.sqrt(self.noise[c])
        return self.mean[c] + z @ w.T + noise


def train_discriminative(hidden, train, test, steps: int, seed: int):
    """Softmax regression (``hidden=[]``) or an MLP, Adam, about ``steps`` mini-batch steps."""
    model = MLP([64, *hidden, 10], "relu", "he_normal", rng=np.random.default_rng(seed))
    batches = -(-len(train.x) // 64)
    fit(model, CrossEntropyLoss(), Adam(model.parameters(), lr=0.01), train, test,
        epochs=max(1, round(steps / batches)), batch_size=64, seed=seed, progress=False)
    return model


def accuracy(predicted, t) -> float:
    return float(np.mean(np.asarray(predicted) == np.asarray(t)))


def run(out_dir, quick: bool = False, lang: str = "en", seed: int = 0) -> ExperimentResult:
    result, out_dir, started = start(NAME, TITLE, CLAIM, out_dir, lang)
    steps, sizes, repeats = (600, [2, 5, 20, None], 1) if quick else (3000, [2, 3, 5, 10, 20, 50, None], 5)
    train, test = load_splits("digits", seed=seed)
    classes = train.num_classes

    with single_threaded():
        gaussian = GaussianClassifier(LATENT).fit(train.x, train.t, classes)
        naive = GaussianClassifier(0).fit(train.x, train.t, classes)
        softmax = train_discriminative([], train, test, steps, seed)
        mlp = train_discriminative([100], train, test, steps, seed)
        sweep = _data_size_sweep(train, test, sizes, repeats, steps, seed)
    acc = {
        "softmax_regression p(y|x)": evaluate(softmax, CrossEntropyLoss(), test).accuracy,
        "mlp p(y|x)": evaluate(mlp, CrossEntropyLoss(), test).accuracy,
        "diagonal_gaussian p(x|y)": accuracy(naive.posterior(test.x).argmax(axis=1), test.t),
        f"ppca_gaussian_k{LATENT} p(x|y)": accuracy(gaussian.posterior(test.x).argmax(axis=1), test.t),
    }

    rng = np.random.default_rng([seed, 1])
    samples = np.stack([gaussian.sample(c, SAMPLES_PER_CLASS, rng) for c in range(classes)])
    images = np.clip(samples, 0, 1).astype(np.float32)
    images = images.reshape(classes * SAMPLES_PER_CLASS, *train.input_shape)
    intended = np.repeat(np.arange(classes), SAMPLES_PER_CLASS)
    recognized = accuracy(predict_logits(mlp, images).argmax(axis=1), intended)

    result.numbers = {
        "test_accuracy": acc,
        "chance": 1 / classes,
        "generated_samples_recognized_by_mlp": recognized,
        "generated_samples": int(len(intended)),
        "latent_dimensions_k": LATENT,
        "accuracy_vs_train_samples_per_class": sweep,
    }
    _plot_accuracy(out_dir, result, lang, acc, sweep, classes)
    _plot_samples(out_dir, result, lang, gaussian, samples, recognized)
    conclude(result, PANELS, CHECKS, quick)
    result.seconds = time.perf_counter() - started
    return result


# ---- what the numbers say ------------------------------------------------------------------------
PPCA = f"ppca_gaussian_k{LATENT} p(x|y)"
FEW = 5  # "a few images per class": at most this many


def _accuracy_finding(n: dict, lang: str) -> str:
    a = n["test_accuracy"]
    return pick(lang, {
        "en": f"test accuracy (chance {pct(n['chance'])}): softmax regression {pct(a['softmax_regression p(y|x)'])}, "
              f"MLP {pct(a['mlp p(y|x)'])} (discriminative); diagonal Gaussian {pct(a['diagonal_gaussian p(x|y)'])}, "
              f"PPCA Gaussian (k = {n['latent_dimensions_k']}) {pct(a[PPCA])} (generative, Bayes' rule).",
        "ja": f"テスト精度 (偶然の水準 {pct(n['chance'])}): ソフトマックス回帰 {pct(a['softmax_regression p(y|x)'])}、MLP "
              f"{pct(a['mlp p(y|x)'])} (識別モデル)。対角ガウス {pct(a['diagonal_gaussian p(x|y)'])}、PPCA ガウス "
              f"(k = {n['latent_dimensions_k']}) {pct(a[PPCA])} (生成モデル + ベイズの定理)。",
    })


def _data_size_finding(n: dict, lang: str) -> str:
    s = n["accuracy_vs_train_samples_per_class"]
    rows = listing(lang, [f"{k}: {pct(g)} / {pct(d)}" for k, g, d in
                     zip(s["samples_per_class"], s["generative"], s["softmax_regression"], strict=True)])
    return pick(lang, {
        "en": f"images per class: generative / softmax regression test accuracy: {rows}.",
        "ja": f"クラスあたりの画像数: 生成 / ソフトマックス回帰のテスト精度: {rows}。",
    })


def _samples_finding(n: dict, lang: str) -> str:
    return pick(lang, {
        "en": f"the trained MLP names {pct(n['generated_samples_recognized_by_mlp'])} of the {n['generated_samples']} "
              "generated digits as the class they were drawn from.",
        "ja": f"学習済み MLP は生成した {n['generated_samples']} 枚の数字の {pct(n['generated_samples_recognized_by_mlp'])} "
              "を生成元のクラスと判定した。",
    })


def _few_images(n: dict) -> bool:
    s = n["accuracy_vs_train_samples_per_class"]
    return all(g >= d for k, g, d in zip(s["samples_per_class"], s["generative"], s["softmax_regression"], strict=True)
               if k <= FEW)


STATEMENTS = [
    Statement("discriminative", {
        "en": "A discriminative model outputs the probability of each class given an input x, $p(y|x)$;",
        "ja": "識別モデルは入力 x を受けて各クラスの確率 $p(y|x)$ を出力する。"}),
    Statement("generative", {
        "en": "a generative model learns how each class y produces inputs, $p(x|y)$, and classifies through Bayes' "
              "rule (on digits, with few training images per class, at least as well as softmax regression),",
        "ja": "生成モデルは各クラス y が入力を生み出す分布 $p(x|y)$ を学び、ベイズの定理で分類できる (digits では、"
              "クラスあたりの学習画像が少ないとき、ソフトマックス回帰と同等以上の精度)。"}),
    Statement("generates", {
        "en": "and it can also generate new inputs of a chosen class (low-dimensional label in, high-dimensional "
              "image out).",
        "ja": "さらに指定したクラスの新しい入力を生成できる (低次元のラベルから高次元の画像へ)。"}),
]
CLAIM = claim(STATEMENTS)

PANELS = [
    Panel("accuracy", "generative_vs_discriminative_accuracy.png",
          {"en": "Test accuracy (figure 1, left)", "ja": "テスト精度 (図1 左)"}, _accuracy_finding),
    Panel("data_size", "generative_vs_discriminative_accuracy.png",
          {"en": "Fewer training images (figure 1, right)", "ja": "学習画像を減らす (図1 右)"}, _data_size_finding),
    Panel("samples", "generative_vs_discriminative_samples.png",
          {"en": "Generated digits (figure 2)", "ja": "生成した数字 (図2)"}, _samples_finding),
]

CHECKS = [
    Check("discriminative", {"en": "discriminative models far above chance (MLP and softmax regression > 80%)",
                             "ja": "識別モデルが偶然の水準を大きく上回る (MLP とソフトマックス回帰が 80% 超)"},
          "discriminative", ("accuracy",),
          lambda n: min(n["test_accuracy"]["mlp p(y|x)"], n["test_accuracy"]["softmax_regression p(y|x)"]) > 0.8),
    Check("generative", {"en": "generative classifier far above chance (> 80%)",
                         "ja": "生成モデルによる分類が偶然の水準を大きく上回る (> 80%)"}, "generative", ("accuracy",),
          lambda n: n["test_accuracy"][PPCA] > 0.8),
    Check("few_images", {"en": f"with {FEW} or fewer training images per class, the generative classifier is at least "
                               "as accurate as softmax regression",
                         "ja": f"クラスあたりの学習画像が {FEW} 枚以下では、生成モデルはソフトマックス回帰と同等以上の精度"},
          "generative", ("data_size",), _few_images),
    Check("generated", {"en": "generated samples recognized as their class by the MLP (> 80%)",
                        "ja": "生成画像を MLP が生成元のクラスと判定 (> 80%)"}, "generates", ("samples",),
          lambda n: n["generated_samples_recognized_by_mlp"] > 0.8),
]


def _data_size_sweep(train, test, sizes, repeats, steps, seed) -> dict:
    """Test accuracy of the generative classifier and softmax regression trained on n images per
    class (None: all), mean over ``repeats`` random subsets."""
    out = {"samples_per_class": [], "generative": [], "softmax_regression": []}
    rng = np.random.default_rng([seed, 2])
    for n in sizes:
        gen, disc = [], []
        for r in range(repeats if n is not None else 1):
            if n is None:
                subset = train
            else:
                idx = np.concatenate([rng.permutation(np.flatnonzero(train.t == c))[:n]
                                      for c in range(train.num_classes)])
                subset = train.subset(np.sort(idx))
            model = GaussianClassifier(LATENT).fit(subset.x, subset.t, train.num_classes)
            gen.append(accuracy(model.posterior(test.x).argmax(axis=1), test.t))
            disc.append(evaluate(train_discriminative([], subset, None, steps // 2, seed + r),
                                 CrossEntropyLoss(), test).accuracy)
        count = int(np.bincount(train.t).min()) if n is None else n
        out["samples_per_class"].append(count)
        out["generative"].append(float(np.mean(gen)))
        out["softmax_regression"].append(float(np.mean(disc)))
    return out


def _plot_accuracy(out_dir, result, lang, acc, sweep, classes) -> None:
    fig, (ax_bar, ax_size) = figures.subplots(lang, 1, 2, height=4.8)
    labels = {
        "softmax_regression p(y|x)": pick(lang, {"en": "softmax\nregression\np(y|x)",
                                                 "ja": "ソフトマックス\n回帰\np(y|x)"}),
        "mlp p(y|x)": pick(lang, {"en": "MLP\np(y|x)", "ja": "MLP\np(y|x)"}),
        "diagonal_gaussian p(x|y)": pick(lang, {"en": "diagonal\nGaussian\np(x|y)", "ja": "対角\nガウス\np(x|y)"}),
        f"ppca_gaussian_k{LATENT} p(x|y)": pick(lang, {"en": f"PPCA\n(k={LATENT})\np(x|y)",
                                                      "ja": f"PPCA\n(k={LATENT})\np(x|y)"}),
    }
    colors = ["C0", "C0", "C1", "C1"]
    bars = ax_bar.bar(range(len(acc)), list(acc.values()), color=colors)
    ax_bar.bar_label(bars, fmt="%.3f")
    ax_bar.axhline(1 / classes, color="0.4", ls=":", label=pick(lang, {"en": "chance", "ja": "偶然の水準"}))
    ax_bar.set_xticks(range(len(acc)), [labels[k] for k in acc])
    ax_bar.set(title=pick(lang, {"en": "Test accuracy\n(blue: discriminative, orange: generative + Bayes)",
                                 "ja": "テスト精度\n(青: 識別モデル, 橙: 生成モデル + ベイズの定理)"}),
               ylabel=pick(lang, {"en": "test accuracy", "ja": "テスト精度"}), ylim=(0, 1.08))
    ax_bar.legend(loc="lower right")
    n = sweep["samples_per_class"]
    ax_size.semilogx(n, sweep["generative"], "-o", color="C1",
                     label=pick(lang, {"en": "generative (PPCA + Bayes)", "ja": "生成 (PPCA + ベイズ)"}))
    ax_size.semilogx(n, sweep["softmax_regression"], "-s", color="C0",
                     label=pick(lang, {"en": "discriminative (softmax regression)",
                                       "ja": "識別 (ソフトマックス回帰)"}))
    ax_size.set(title=pick(lang, {"en": "Test accuracy against\ntraining images per class",
                                  "ja": "クラスあたりの学習画像数とテスト精度"}),
                xlabel=pick(lang, {"en": "training images per class", "ja": "クラスあたりの学習画像数"}),
                ylabel=pick(lang, {"en": "test accuracy", "ja": "テスト精度"}), ylim=(0, 1.02))
    ax_size.set_xticks(n, [str(v) for v in n])
    ax_size.minorticks_off()
    ax_size.grid(alpha=0.3, which="both")
    ax_size.legend()
    caption = pick(lang, {
        "en": "Left: test accuracy on digits of discriminative models p(y|x) and of class-conditional "
              "Gaussians p(x|y) classified with Bayes' rule (chance 10%). Right: the same comparison with "
              "fewer training images per class.",
        "ja": "左: 識別モデル p(y|x) と、クラス条件付きガウス分布 p(x|y) をベイズの定理で分類に使った場合の "
              "digits のテスト精度 (偶然の水準 10%)。右: クラスあたりの学習画像を減らしたときの同じ比較。",
    })
    save_figure(fig, out_dir, "generative_vs_discriminative_accuracy.png", result, caption)


def _plot_samples(out_dir, result, lang, gaussian, samples, recognized) -> None:
    classes, per_class = samples.shape[:2]
    size = (0.75 * (per_class + 1) + 0.5, 0.75 * classes + 0.8)
    fig, axes = figures.subplots(lang, classes, per_class + 1, width=size[0], height=size[1])
    for c in range(classes):
        row = [gaussian.mean[c], *samples[c]]
        for j, image in enumerate(row):
            ax = axes[c, j]
            ax.imshow(np.clip(image, 0, 1).reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if j == 0:
                ax.set_ylabel(f"y = {c}", rotation=0, labelpad=18)
                for spine in ax.spines.values():
                    spine.set_color("C1")
                    spine.set_linewidth(2)
    axes[0, 0].set_title(pick(lang, {"en": "mean", "ja": "平均"}))
    fig.suptitle(pick(lang, {
        "en": f"Digits drawn from p(x|y) per class (the MLP recognizes {recognized:.0%})",
        "ja": f"クラスごとに p(x|y) から生成した数字 (MLP の認識率 {recognized:.0%})"}))
    caption = pick(lang, {
        "en": f"Each row: the class mean (orange frame) and {per_class} images sampled from the generative "
              f"model p(x|y) of that digit, x = μ + Wz + ε. A trained MLP assigns {recognized:.0%} of the "
              "samples to the class they were drawn from.",
        "ja": f"各行: クラスの平均 (橙の枠) と、その数字の生成モデル p(x|y) から x = μ + Wz + ε として生成した "
              f"{per_class} 枚の画像。学習済み MLP は生成画像の {recognized:.0%} を生成元のクラスと判定した。",
    })
    save_figure(fig, out_dir, "generative_vs_discriminative_samples.png", result, caption)

TABLES = [
    Table({"en": "Test accuracy per model", "ja": "モデルごとのテスト精度"}, rows="test_accuracy",
          row_header={"en": "model", "ja": "モデル"},
          row_names={"softmax_regression p(y|x)": {"en": "softmax regression p(y|x)", "ja": "ソフトマックス回帰 p(y|x)"},
                     "mlp p(y|x)": {"en": "MLP p(y|x)", "ja": "MLP p(y|x)"},
                     "diagonal_gaussian p(x|y)": {"en": "diagonal Gaussian p(x|y)", "ja": "対角ガウス p(x|y)"},
                     f"ppca_gaussian_k{LATENT} p(x|y)": {"en": f"PPCA Gaussian (k = {LATENT}) p(x|y)",
                                                        "ja": f"PPCA ガウス (k = {LATENT}) p(x|y)"}},
          columns=[Col("test_accuracy/{row}", {"en": "test accuracy", "ja": "テスト精度"})]),
    Table({"en": "Test accuracy by training images per class", "ja": "クラスあたりの学習画像数ごとのテスト精度"},
          rows="accuracy_vs_train_samples_per_class/samples_per_class",
          row_header={"en": "images per class", "ja": "クラスあたりの画像数"},
          row_label="accuracy_vs_train_samples_per_class/samples_per_class/{row}",
          columns=[Col("accuracy_vs_train_samples_per_class/generative/{row}",
                       {"en": "generative (PPCA + Bayes)", "ja": "生成 (PPCA + ベイズ)"}),
                   Col("accuracy_vs_train_samples_per_class/softmax_regression/{row}",
                       {"en": "discriminative (softmax regression)", "ja": "識別 (ソフトマックス回帰)"})]),
]
