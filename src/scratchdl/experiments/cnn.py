r"""CNNs on ``digits``: MLP vs SimpleConvNet vs VGG-, ResNet- and AlexNet-style nets.

A convolution layer slides small shared filters over the image,
:math:`y_{o,u,v} = b_o + \sum_{c,i,j} W_{o,c,i,j}\, x_{c,u+i,v+j}`, so it looks for the same local
pattern (an edge, a stroke end) everywhere with few weights; pooling keeps the strongest response in
each neighbourhood and makes the features tolerate small shifts. Stacking them extracts features
from the image that a small fully connected classifier then reads. Well-known designs: AlexNet
(large strided first kernel, overlapping pooling, dropout), VGG (stacks of 3x3 convolutions), ResNet
(residual blocks :math:`y = \mathrm{ReLU}(F(x) + x)` with batch norm).

Measured: each model from ``scratchdl.models.build`` sized for 1x8x8 digits, trained with the same
optimizer (Adam), batch size and number of epochs; test accuracy, parameter count, training time.
Also the first convolution's filters of SimpleConvNet before and after training, and test images
each model gets wrong.
"""

from __future__ import annotations

import time

import numpy as np

from ..backend import to_numpy
from ..data import load_splits
from ..models import build
from ..nn import Conv2d, CrossEntropyLoss
from ..optim import Adam
from ..train import fit
from ..train.evaluate import predict_logits
from . import figures
from .base import ExperimentResult, checks, pick, save_figure, single_threaded, start
from .tables import Col, Table

NAME = "cnn"
TITLE = {"en": "CNNs on digits: MLP vs SimpleConvNet, VGG, ResNet and AlexNet styles",
         "ja": "digits での CNN: MLP と SimpleConvNet, VGG, ResNet, AlexNet 風モデル"}
CLAIM = {
    "en": "Convolution and pooling layers extract features from images (shared local filters, tolerance "
          "to small shifts) and pass them to a fully connected classifier. Well-known designs are AlexNet, "
          "VGG and ResNet; here each is trained on the same digits with the same budget and compared in "
          "accuracy, parameters and time, with the learned filters and the mistakes shown.",
    "ja": "畳み込み層とプーリング層の組み合わせで画像から特徴量を抽出し (位置を問わず共有される局所フィルタ、"
          "小さなずれへの頑健さ)、全結合の分類器に渡す。有名なモデルに AlexNet, VGG, ResNet がある。ここでは"
          "各モデルを同じ digits・同じ学習量で学習し、精度・パラメータ数・時間を比べ、学習したフィルタと"
          "誤分類例を示す。",
}

MODELS = {"mlp": "MLP", "simple_cnn": "SimpleConvNet", "vgg": "VGG-style", "resnet": "ResNet-style",
          "alexnet": "AlexNet-style"}
LR = 0.003
BATCH = 64
MISTAKES_SHOWN = 8


def first_conv(model) -> Conv2d | None:
    return next((m for m in model.modules() if isinstance(m, Conv2d)), None)


def train_model(name: str, train, test, epochs: int, seed: int) -> dict:
    """Build ``name`` for the digits, train it, and collect what the figures and numbers need."""
    model = build(name, train.input_shape, train.num_classes, rng=np.random.default_rng(seed))
    conv = first_conv(model)
    before = None if conv is None else conv.weight.data.copy()
    state = fit(model, CrossEntropyLoss(), Adam(model.parameters(), lr=LR), train, test, epochs=epochs,
                batch_size=BATCH, seed=seed, progress=False)
    predicted = to_numpy(predict_logits(model, test.x).argmax(axis=1))
    wrong = np.flatnonzero(predicted != test.t)
    return {
        "history": state.history,
        "params": int(model.num_parameters()),
        "train_seconds": float(sum(state.history.column("seconds"))),
        "test_accuracy": float(np.mean(predicted == test.t)),
        "predicted": predicted,
        "wrong": wrong,
        "filters": None if conv is None else (before, conv.weight.data.copy()),
    }


def run(out_dir, quick: bool = False, lang: str = "en", seed: int = 0) -> ExperimentResult:
    result, out_dir, started = start(NAME, TITLE, CLAIM, out_dir, lang)
    epochs = 4 if quick else 20
    train, test = load_splits("digits", seed=seed)
    with single_threaded():
        runs = {name: train_model(name, train, test, epochs, seed) for name in MODELS}

    filters_before, filters_after = runs["simple_cnn"]["filters"]
    change = float(np.linalg.norm(filters_after - filters_before) / np.linalg.norm(filters_before))
    result.numbers = {
        "epochs": epochs,
        "test_accuracy": {MODELS[n]: r["test_accuracy"] for n, r in runs.items()},
        "parameters": {MODELS[n]: r["params"] for n, r in runs.items()},
        "train_seconds": {MODELS[n]: r["train_seconds"] for n, r in runs.items()},
        "misclassified_of_360": {MODELS[n]: int(len(r["wrong"])) for n, r in runs.items()},
        "simple_cnn_first_filters_relative_change": change,
    }
    result.checks = checks(lang, [
        ({"en": "every model learns: test accuracy > 25% (chance 10%)",
          "ja": "全モデルが学習する: テスト精度 > 25% (偶然の水準 10%)"},
         all(r["test_accuracy"] > 0.25 for r in runs.values())),
        ({"en": "parameter counts reported and positive", "ja": "パラメータ数を報告 (正の値)"},
         all(r["params"] > 0 for r in runs.values())),
        ({"en": "first-layer filters changed by training", "ja": "学習で第1層のフィルタが変化"}, change > 0.01),
    ])
    best_conv = max((n for n in MODELS if n != "mlp"), key=lambda n: runs[n]["test_accuracy"])
    mlp_acc, conv_acc = runs["mlp"]["test_accuracy"], runs[best_conv]["test_accuracy"]
    result.notes.append(pick(lang, {
        "en": f"After {epochs} epochs the best conv net, {MODELS[best_conv]}, reaches {conv_acc:.1%} test "
              f"accuracy against {mlp_acc:.1%} for the MLP, with {runs[best_conv]['params']:,} parameters "
              f"against {runs['mlp']['params']:,}; training took {runs[best_conv]['train_seconds']:.1f} s "
              f"against {runs['mlp']['train_seconds']:.2f} s.",
        "ja": f"{epochs} エポック後、最も精度の高い CNN ({MODELS[best_conv]}) のテスト精度は {conv_acc:.1%}、"
              f"MLP は {mlp_acc:.1%}。パラメータ数は {runs[best_conv]['params']:,} 対 "
              f"{runs['mlp']['params']:,}、学習時間は {runs[best_conv]['train_seconds']:.1f} 秒対 "
              f"{runs['mlp']['train_seconds']:.2f} 秒。",
    }))
    _plot_comparison(out_dir, result, lang, runs)
    _plot_filters(out_dir, result, lang, filters_before, filters_after, change)
    _plot_mistakes(out_dir, result, lang, runs, test)
    result.seconds = time.perf_counter() - started
    return result


def _plot_comparison(out_dir, result, lang, runs) -> None:
    fig, ((ax_curve, ax_acc), (ax_params, ax_time)) = figures.subplots(lang, 2, 2, height=7.4)
    names = list(MODELS)
    labels = [MODELS[n].replace("-style", "") for n in names]
    for k, n in enumerate(names):
        h = runs[n]["history"]
        ax_curve.plot(h.column("epoch"), h.column("test_accuracy"), "-o", ms=3, color=f"C{k}",
                      label=MODELS[n])
    ax_curve.set(title=pick(lang, {"en": "Test accuracy while training", "ja": "学習中のテスト精度"}),
                 xlabel=pick(lang, {"en": "epoch", "ja": "エポック"}),
                 ylabel=pick(lang, {"en": "test accuracy", "ja": "テスト精度"}))
    ax_curve.xaxis.get_major_locator().set_params(integer=True)
    ax_curve.grid(alpha=0.3)
    ax_curve.legend()
    colors = [f"C{k}" for k in range(len(names))]
    panels = [
        (ax_acc, [runs[n]["test_accuracy"] for n in names], {"en": "Test accuracy", "ja": "テスト精度"}, "%.3f"),
        (ax_params, [runs[n]["params"] for n in names], {"en": "Parameters", "ja": "パラメータ数"}, "%d"),
        (ax_time, [runs[n]["train_seconds"] for n in names],
         {"en": "Training time (s)", "ja": "学習時間 (秒)"}, "%.2f"),
    ]
    for ax, values, title, fmt in panels:
        bars = ax.bar(range(len(names)), values, color=colors)
        ax.bar_label(bars, fmt=fmt)
        ax.set_xticks(range(len(names)), labels, rotation=30, ha="right")
        ax.set_title(pick(lang, title))
    ax_acc.set_ylim(0, 1.08)
    ax_params.set_yscale("log")
    ax_params.set_ylim(top=max(r["params"] for r in runs.values()) * 3)
    caption = pick(lang, {
        "en": "MLP and four conv nets trained on digits with the same optimizer (Adam, lr "
              f"{LR}), batch size and epochs: test accuracy per epoch, final test accuracy, parameters "
              "(log scale) and training time on this machine.",
        "ja": f"MLP と4つの CNN を同じ最適化手法 (Adam, 学習率 {LR})・バッチサイズ・エポック数で digits "
              "に学習させた結果: エポックごとのテスト精度、最終テスト精度、パラメータ数 (対数軸)、"
              "この計算機での学習時間。",
    })
    save_figure(fig, out_dir, "cnn_comparison.png", result, caption)


def _plot_filters(out_dir, result, lang, before, after, change) -> None:
    count, cols = before.shape[0], 10
    rows = -(-count // cols)
    blocks = [(before, {"en": "before", "ja": "学習前"}), (after, {"en": "after", "ja": "学習後"}),
              (after - before, {"en": "change", "ja": "変化"})]
    # three blocks of ``rows`` rows, with a thin empty row between blocks
    ratios = ([1] * rows + [0.35]) * 2 + [1] * rows
    fig, grid = figures.subplots(lang, len(ratios), cols, width=cols * 0.9, height=sum(ratios) * 0.95 + 1.0,
                             gridspec_kw={"height_ratios": ratios})
    for ax in grid[[rows, 2 * rows + 1]].ravel():
        ax.set_visible(False)
    for b, (weights, name) in enumerate(blocks):
        axes = grid[b * (rows + 1):b * (rows + 1) + rows]
        axes[rows // 2, 0].set_ylabel(pick(lang, name))
        for k in range(rows * cols):
            ax = axes[k // cols, k % cols]
            ax.set_xticks([])
            ax.set_yticks([])
            if k >= count:
                ax.set_visible(False)
                continue
            # before/after share each filter's colour scale; the change has its own
            source = (weights,) if b == 2 else (before, after)
            scale = max(float(np.abs(w[k, 0]).max()) for w in source)
            ax.imshow(weights[k, 0], cmap="RdBu_r", vmin=-scale, vmax=scale)
    fig.suptitle(pick(lang, {
        "en": f"SimpleConvNet first-layer filters ({count} of {before.shape[2]}x{before.shape[3]}), "
              f"relative change {change:.0%}",
        "ja": f"SimpleConvNet の第1層フィルタ ({before.shape[2]}x{before.shape[3]} が {count} 枚)、"
              f"相対変化 {change:.0%}"}))
    caption = pick(lang, {
        "en": f"The {count} first-layer convolution filters of SimpleConvNet at initialization (He-normal "
              "noise), after training, and the change (after − before, on its own colour scale); red "
              f"positive, blue negative. ‖W_after − W_before‖ / ‖W_before‖ = {change:.2f}.",
        "ja": f"SimpleConvNet の第1層の畳み込みフィルタ {count} 枚の初期状態 (He の正規乱数)、学習後、"
              "その変化 (学習後 − 学習前、色スケールは別)。赤が正、青が負。"
              f"‖W_学習後 − W_学習前‖ / ‖W_学習前‖ = {change:.2f}。",
    })
    save_figure(fig, out_dir, "cnn_filters.png", result, caption)


def _plot_mistakes(out_dir, result, lang, runs, test) -> None:
    names = list(MODELS)
    size = (MISTAKES_SHOWN * 1.05 + 1.6, len(names) * 1.3)
    fig, axes = figures.subplots(lang, len(names), MISTAKES_SHOWN, width=size[0], height=size[1])
    for row, n in enumerate(names):
        wrong, predicted = runs[n]["wrong"], runs[n]["predicted"]
        for col in range(MISTAKES_SHOWN):
            ax = axes[row, col]
            ax.set_xticks([])
            ax.set_yticks([])
            if col < len(wrong):
                i = wrong[col]
                ax.imshow(test.x[i, 0], cmap="gray_r", vmin=0, vmax=1)
                ax.set_title(f"{test.t[i]} → {predicted[i]}", color="C3")
            else:  # keep the axes (and the row's label), drop the frame
                for spine in ax.spines.values():
                    spine.set_visible(False)
        axes[row, 0].set_ylabel(f"{MODELS[n]}\n({len(wrong)})", rotation=0, ha="right", va="center", labelpad=8)
    fig.suptitle(pick(lang, {"en": "Misclassified test digits (true → predicted)",
                             "ja": "誤分類されたテスト画像 (正解 → 予測)"}))
    caption = pick(lang, {
        "en": f"Up to {MISTAKES_SHOWN} test digits each model gets wrong, titled true → predicted; the "
              "number under each model's name is its count of errors among the 360 test images.",
        "ja": f"各モデルが誤分類したテスト画像 (最大 {MISTAKES_SHOWN} 枚、見出しは 正解 → 予測)。"
              "モデル名の下の数は 360 枚のテスト画像中の誤り数。",
    })
    save_figure(fig, out_dir, "cnn_misclassified.png", result, caption)

TABLES = [
    Table({"en": "Per model", "ja": "モデルごと"}, rows="test_accuracy", row_header={"en": "model", "ja": "モデル"},
          columns=[Col("test_accuracy/{row}", {"en": "test accuracy", "ja": "テスト精度"}),
                   Col("parameters/{row}", {"en": "parameters", "ja": "パラメータ数"}),
                   Col("train_seconds/{row}", {"en": "training time", "ja": "学習時間"}, {"en": "s", "ja": "秒"}),
                   Col("misclassified_of_360/{row}", {"en": "errors of 360", "ja": "360 枚中の誤り"})]),
]
