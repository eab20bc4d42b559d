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
from ..nn import Conv2d, CrossEntropyLoss, MaxPool2d
from ..optim import Adam
from ..train import fit
from ..train.evaluate import predict_logits
from . import figures
from .base import ExperimentResult, pick, save_figure, single_threaded, start
from .evidence import Check, Panel, Statement, claim, conclude, listing, pct
from .tables import Col, Table

NAME = "cnn"
TITLE = {"en": "CNNs on digits: MLP vs SimpleConvNet, VGG, ResNet and AlexNet styles",
         "ja": "digits での CNN: MLP と SimpleConvNet, VGG, ResNet, AlexNet 風モデル"}
MODELS = {"mlp": "MLP", "simple_cnn": "SimpleConvNet", "vgg": "VGG-style", "resnet": "ResNet-style",
          "alexnet": "AlexNet-style"}
LR = 0.003
BATCH = 64
MISTAKES_SHOWN = 8
SHIFTS = ((1, 0), (-1, 0), (0, 1), (0, -1))  # one pixel down, up, right, left
PROBE = 256  # training digits for the per-conv gradient probe


def first_conv(model) -> Conv2d | None:
    return next((m for m in model.modules() if isinstance(m, Conv2d)), None)


def shifted(x: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Images ``x`` (N, C, H, W) moved ``dy`` pixels down and ``dx`` right, the uncovered border 0."""
    out = np.zeros_like(x)
    h, w = x.shape[-2:]
    src_y, dst_y = (slice(0, h - dy), slice(dy, h)) if dy >= 0 else (slice(-dy, h), slice(0, h + dy))
    src_x, dst_x = (slice(0, w - dx), slice(dx, w)) if dx >= 0 else (slice(-dx, w), slice(0, w + dx))
    out[..., dst_y, dst_x] = x[..., src_y, src_x]
    return out


def shifted_accuracy(model, test) -> float:
    """Test accuracy on the test digits moved by one pixel up, down, left and right (mean of the four)."""
    accs = [np.mean(to_numpy(predict_logits(model, shifted(test.x, dy, dx)).argmax(axis=1)) == test.t)
            for dy, dx in SHIFTS]
    return float(np.mean(accs))


def conv_probe(model, x, t) -> list[dict]:
    """Per conv layer of ``model`` (in eval mode, before training): the height x width of the map it
    reads, the max-pools before it, and the fraction of its weights whose gradient on (x, t) is exactly
    0 (a weight that only ever meets the zero padding of a small map never learns)."""
    model.eval()
    loss_fn = CrossEntropyLoss()
    loss_fn(model(x), t)
    model.zero_grad()
    model.backward(loss_fn.backward())
    h, pools, out = x, 0, []
    for layer in model.features:
        if isinstance(layer, Conv2d):
            out.append({"input_map": list(h.shape[-2:]), "pools_before": pools,
                        "weights_without_gradient": float(np.mean(to_numpy(layer.weight.grad) == 0))})
        pools += isinstance(layer, MaxPool2d)
        h = layer(h)
    model.zero_grad()
    model.train()
    return out


def train_model(name: str, train, test, epochs: int, seed: int) -> dict:
    """Build ``name`` for the digits, train it, and collect what the figures and numbers need."""
    model = build(name, train.input_shape, train.num_classes, rng=np.random.default_rng(seed))
    probe = conv_probe(model, train.x[:PROBE], train.t[:PROBE]) if hasattr(model, "features") else []
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
        "shifted_accuracy": shifted_accuracy(model, test),
        "convs": probe,
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
        "test_accuracy_shifted_by_1_pixel": {MODELS[n]: r["shifted_accuracy"] for n, r in runs.items()},
        "epoch_reaching_90%": {MODELS[n]: next((int(row["epoch"]) for row in r["history"]
                                                 if row["test_accuracy"] > 0.9), None) for n, r in runs.items()},
        "conv_layers": {MODELS[n]: r["convs"] for n, r in runs.items() if r["convs"]},
        "simple_cnn_first_filters_relative_change": change,
    }
    _plot_comparison(out_dir, result, lang, runs)
    _plot_filters(out_dir, result, lang, filters_before, filters_after, change)
    _plot_mistakes(out_dir, result, lang, runs, test)
    conclude(result, PANELS, CHECKS, quick)
    result.seconds = time.perf_counter() - started
    return result


# ---- what the numbers say ------------------------------------------------------------------------
CONVS = [m for k, m in MODELS.items() if k != "mlp"]
CLOSE = ["SimpleConvNet", "VGG-style", "ResNet-style"]


def _alexnet_blind(n: dict) -> list[dict]:
    """AlexNet-style's convs that read a 1x1 map."""
    return [c for c in n["conv_layers"].get("AlexNet-style", []) if c["input_map"] == [1, 1]]


def _curves_finding(n: dict, lang: str) -> str:
    reach = listing(lang, [f"{m} {'–' if e is None else e}" for m, e in n["epoch_reaching_90%"].items()])
    return pick(lang, {
        "en": f"first epoch above 90% test accuracy: {reach} (of {n['epochs']}).",
        "ja": f"テスト精度が初めて 90% を超えたエポック: {reach} ({n['epochs']} エポック中)。",
    })


def _bars_finding(n: dict, lang: str) -> str:
    acc = listing(lang, [f"{m} {pct(v)}" for m, v in n["test_accuracy"].items()])
    moved = listing(lang, [f"{m} {pct(v)}" for m, v in n["test_accuracy_shifted_by_1_pixel"].items()])
    params = listing(lang, [f"{m} {v:,}" for m, v in n["parameters"].items()])
    unit = pick(lang, {"en": " s", "ja": " 秒"})
    seconds = listing(lang, [f"{m} {v:.2g}{unit}" for m, v in n["train_seconds"].items()])
    alex = n["conv_layers"].get("AlexNet-style", [])
    maps = " → ".join("×".join(map(str, c["input_map"])) for c in alex)
    blind = _alexnet_blind(n)
    unused = max((c["weights_without_gradient"] for c in blind), default=0.0)
    return pick(lang, {
        "en": f"test accuracy {acc}; on the test digits moved by one pixel {moved}. Parameters {params}; training "
              f"time {seconds}. AlexNet-style's five convs read maps of {maps} pixels: {len(blind)} of them see one "
              f"pixel, and {unused:.0%} of their weights get no gradient.",
        "ja": f"テスト精度 {acc}。1ピクセルずらしたテスト画像では {moved}。パラメータ数 {params}。学習時間 {seconds}。"
              f"AlexNet 風モデルの5つの畳み込み層が読むマップは {maps} ピクセルで、そのうち {len(blind)} 層は1ピクセル"
              f"しか見ず、その重みの {unused:.0%} には勾配が届かない。",
    })


def _filters_finding(n: dict, lang: str) -> str:
    return pick(lang, {
        "en": f"training moved SimpleConvNet's first-layer filters by {n['simple_cnn_first_filters_relative_change']:.0%}"
              " of their initial size (‖W_after − W_before‖ / ‖W_before‖).",
        "ja": f"学習で SimpleConvNet の第1層のフィルタは初期の大きさの {n['simple_cnn_first_filters_relative_change']:.0%}"
              " だけ変化した (‖W_学習後 − W_学習前‖ / ‖W_学習前‖)。",
    })


def _mistakes_finding(n: dict, lang: str) -> str:
    errors = listing(lang, [f"{m} {v}" for m, v in n["misclassified_of_360"].items()])
    return pick(lang, {"en": f"errors among the 360 test digits: {errors}.",
                       "ja": f"360 枚のテスト画像中の誤り: {errors}。"})


STATEMENTS = [
    Statement("features", {
        "en": "Convolution and pooling layers extract features from images with shared local filters, learned in "
              "training, and pass them to a fully connected classifier; the shared filters let SimpleConvNet and the "
              "VGG- and ResNet-style nets tolerate small shifts better than an MLP.",
        "ja": "畳み込み層とプーリング層は、学習で得られる位置を問わず共有される局所フィルタで画像から特徴量を抽出し、"
              "全結合の分類器に渡す。共有フィルタのおかげで、SimpleConvNet や VGG 風・ResNet 風モデルは MLP より小さなずれに"
              "強い。"}),
    Statement("designs", {
        "en": "Well-known designs are AlexNet, VGG and ResNet. Trained here on the same 8×8 digits with the same "
              "budget, SimpleConvNet and the VGG- and ResNet-style nets reach the MLP's accuracy (within 2 points), "
              "with more parameters and longer training;",
        "ja": "有名なモデルに AlexNet, VGG, ResNet がある。ここで同じ 8×8 の digits・同じ学習量で学習すると、"
              "SimpleConvNet と VGG 風・ResNet 風モデルは MLP と同程度 (2 ポイント以内) の精度に達するが、パラメータは"
              "多く学習に時間がかかる。"}),
    Statement("alexnet", {
        "en": "the AlexNet-style net, made for large images, trails: on 8×8 digits its stride-2 first conv and its "
              "pools leave a 1×1 map after the second pool, so 8/9 of the weights of its three 3×3 convs never get "
              "a gradient.",
        "ja": "大きな画像向けの AlexNet 風モデルは遅れをとる。8×8 の digits では、ストライド 2 の最初の畳み込みとプーリング"
              "で2つ目のプーリングの後のマップは 1×1 になり、3つの 3×3 畳み込み層の重みの 8/9 には勾配が届かない。"}),
]
CLAIM = claim(STATEMENTS)

PANELS = [
    Panel("curves", "cnn_comparison.png", {"en": "Test accuracy while training (figure 1, top left)",
                                           "ja": "学習中のテスト精度 (図1 左上)"}, _curves_finding),
    Panel("bars", "cnn_comparison.png", {"en": "Accuracy, parameters and time (figure 1, bars)",
                                         "ja": "精度・パラメータ数・時間 (図1 の棒グラフ)"}, _bars_finding),
    Panel("filters", "cnn_filters.png", {"en": "First-layer filters (figure 2)", "ja": "第1層のフィルタ (図2)"},
          _filters_finding),
    Panel("mistakes", "cnn_misclassified.png", {"en": "Misclassified digits (figure 3)", "ja": "誤分類された画像 (図3)"},
          _mistakes_finding),
]

CHECKS = [
    Check("filters_learn", {"en": "first-layer filters changed by training (> 1% of their size)",
                            "ja": "学習で第1層のフィルタが変化 (大きさの 1% 超)"}, "features", ("filters",),
          lambda n: n["simple_cnn_first_filters_relative_change"] > 0.01),
    Check("shifts", {"en": "on test digits moved by one pixel, SimpleConvNet, VGG- and ResNet-style are more accurate "
                           "than the MLP",
                     "ja": "1ピクセルずらしたテスト画像では、SimpleConvNet、VGG 風、ResNet 風モデルは MLP より高精度"},
          "features", ("bars",),
          lambda n: min(n["test_accuracy_shifted_by_1_pixel"][m] for m in CLOSE)
          > n["test_accuracy_shifted_by_1_pixel"]["MLP"]),
    Check("close", {"en": "SimpleConvNet, VGG- and ResNet-style are within 2 points of the MLP's accuracy or above it",
                    "ja": "SimpleConvNet、VGG 風、ResNet 風の精度は MLP の 2 ポイント以内かそれ以上"}, "designs",
          ("curves", "bars", "mistakes"),
          lambda n: min(n["test_accuracy"][m] for m in CLOSE) >= n["test_accuracy"]["MLP"] - 0.02, full_only=True),
    Check("costlier", {"en": "every conv net has more parameters than the MLP and takes longer to train",
                       "ja": "どの CNN も MLP よりパラメータが多く、学習に時間がかかる"}, "designs", ("bars",),
          lambda n: all(n["parameters"][m] > n["parameters"]["MLP"] and n["train_seconds"][m] > n["train_seconds"]["MLP"]
                        for m in CONVS)),
    Check("alexnet_trails", {"en": "AlexNet-style is the least accurate model and makes the most errors",
                             "ja": "AlexNet 風モデルの精度が最も低く、誤りが最も多い"}, "alexnet", ("curves", "bars", "mistakes"),
          lambda n: min(n["test_accuracy"], key=n["test_accuracy"].get) == "AlexNet-style"
          and max(n["misclassified_of_360"], key=n["misclassified_of_360"].get) == "AlexNet-style", full_only=True),
    Check("alexnet_blind", {"en": "AlexNet-style's three 3×3 convs read a 1×1 map after two pools, and ≥ 8/9 of their "
                                  "weights get no gradient",
                            "ja": "AlexNet 風モデルの3つの 3×3 畳み込み層は2回のプーリング後の 1×1 のマップを読み、重みの 8/9 "
                                  "以上に勾配が届かない"}, "alexnet", ("bars",),
          lambda n: len(_alexnet_blind(n)) == 3 and all(c["pools_before"] == 2 for c in _alexnet_blind(n))
          and min(c["weights_without_gradient"] for c in _alexnet_blind(n)) >= 8 / 9 - 1e-9),
]


def _plot_comparison(out_dir, result, lang, runs) -> None:
    names = list(MODELS)
    labels = [MODELS[n].replace("-style", "") for n in names]
    colors = [f"C{k}" for k in range(len(names))]
    with figures.style(lang) as plt:
        fig = plt.figure(figsize=(figures.MAX_WIDTH_IN, 8.6))
        axes = fig.subplot_mosaic([["curve", "curve", "legend"], ["acc", "params", "time"]])
    ax_curve = axes["curve"]
    for k, n in enumerate(names):
        h = runs[n]["history"]
        ax_curve.plot(h.column("epoch"), h.column("test_accuracy"), "-o", ms=3, color=colors[k], label=MODELS[n])
    ax_curve.set(title=pick(lang, {"en": "Test accuracy while training", "ja": "学習中のテスト精度"}),
                 xlabel=pick(lang, {"en": "epoch", "ja": "エポック"}),
                 ylabel=pick(lang, {"en": "test accuracy", "ja": "テスト精度"}), ylim=(0, 1.02))
    ax_curve.xaxis.get_major_locator().set_params(integer=True)
    ax_curve.grid(alpha=0.3)
    axes["legend"].axis("off")  # the curves' legend beside them, where it covers nothing
    axes["legend"].legend(*ax_curve.get_legend_handles_labels(), loc="center left")

    x = np.arange(len(names))
    ax_acc = axes["acc"]
    plain = ax_acc.bar(x - 0.2, [runs[n]["test_accuracy"] for n in names], 0.4, color=colors,
                       label=pick(lang, {"en": "test digits", "ja": "テスト画像"}))
    moved = ax_acc.bar(x + 0.2, [runs[n]["shifted_accuracy"] for n in names], 0.4, color=colors, alpha=0.4,
                       label=pick(lang, {"en": "moved 1 px", "ja": "1px ずらす"}))
    for bars in (plain, moved):  # inside the bars, so no label reaches the frame
        ax_acc.bar_label(bars, fmt="%.2f", label_type="center", rotation=90)
    ax_acc.set(title=pick(lang, {"en": "Test accuracy\n(light: digits moved 1 px)",
                                 "ja": "テスト精度\n(薄い色: 1px ずらした画像)"}), ylim=(0, 1.02))
    for ax, values, title, fmt in (
            (axes["params"], [runs[n]["params"] for n in names], {"en": "Parameters", "ja": "パラメータ数"}, "%d"),
            (axes["time"], [runs[n]["train_seconds"] for n in names],
             {"en": "Training time (s)", "ja": "学習時間 (秒)"}, "%.2f")):
        bars = ax.bar(x, values, color=colors)
        ax.bar_label(bars, fmt=fmt, padding=2, rotation=90)
        ax.set_title(pick(lang, title))
    axes["params"].set_yscale("log")
    axes["params"].set_ylim(top=max(r["params"] for r in runs.values()) * 60)  # room for the labels on a log axis
    axes["time"].set_ylim(0, max(r["train_seconds"] for r in runs.values()) * 1.6)
    for key in ("acc", "params", "time"):
        axes[key].set_xticks(x, labels, rotation=30, ha="right")
    caption = pick(lang, {
        "en": "MLP and four conv nets trained on digits with the same optimizer (Adam, lr "
              f"{LR}), batch size and epochs. Top: test accuracy per epoch. Bottom: final test accuracy on the test "
              "digits and (light) on the test digits moved by one pixel up, down, left or right (mean of the "
              "four), parameters (log scale) and training time on this machine.",
        "ja": f"MLP と4つの CNN を同じ最適化手法 (Adam, 学習率 {LR})・バッチサイズ・エポック数で digits に学習させた"
              "結果。上: エポックごとのテスト精度。下: 最終テスト精度 (薄い色は上下左右に1ピクセルずらしたテスト画像"
              "での精度の平均)、パラメータ数 (対数軸)、この計算機での学習時間。",
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
