r"""Full-batch gradient descent vs stochastic (SGD) vs mini-batch, and online learning.

Gradient descent uses the mean loss over all :math:`N` samples,
:math:`w \leftarrow w - \varepsilon \nabla \frac1N \sum_n E_n`, one update per pass over the data.
SGD uses one randomly drawn sample, :math:`w \leftarrow w - \varepsilon \nabla E_n`: :math:`N` cheap,
noisy updates per pass. Mini-batch SGD averages over :math:`B` samples, a middle ground that also
lets the hardware do :math:`B` samples in one matrix product. When the data are redundant (many
samples say nearly the same thing), the stochastic updates make far more progress per pass.
Because each update needs only the samples at hand, SGD can also learn online, from a stream
that delivers each sample once.

Measured here on ``digits`` with one MLP (same initial weights, same learning rate for all):
the loss on the whole training set against epochs (passes) and against training wall time, for
batch sizes :math:`N`, :math:`B` and 1; and an online run that reads the training set once as a
stream of single samples, counting how often it saw each sample and scoring the test set as it goes.
"""

from __future__ import annotations

import time

import numpy as np

from ..data import DataLoader, load_splits
from ..models import MLP
from ..nn import CrossEntropyLoss
from ..optim import SGD
from ..train import accuracy
from . import figures
from .base import ExperimentResult, checks, pick, save_figure, single_threaded, start
from .tables import Col, Table

NAME = "sgd"
TITLE = {"en": "Full-batch gradient descent, SGD and mini-batch SGD", "ja": "勾配降下法・SGD・ミニバッチ SGD"}
CLAIM = {
    "en": "Gradient descent uses the mean error over all samples; stochastic gradient descent (SGD) "
          "updates the weights from the error of randomly drawn samples. With redundant data this cuts "
          "the computation needed to make progress, the noise helps avoid poor local minima, and it "
          "makes online learning possible: learning from a stream that delivers each sample once.",
    "ja": "勾配降下法は全サンプルの平均誤差を使うが、確率的勾配降下法 (SGD) はランダムに抽出したサンプルの"
          "誤差で重みを更新する。データが冗長な場合の計算コストの低減、局所極小解への収束リスクの低減、"
          "オンライン学習 (各サンプルを一度だけ受け取るデータの流れからの学習) が可能、などの利点がある。",
}

HIDDEN = 64
LR = 0.05
MINI_BATCH = 32


def new_model(seed: int) -> MLP:
    return MLP([64, HIDDEN, 10], "relu", "he_normal", rng=np.random.default_rng(seed))


def train_loss(model, train) -> float:
    return CrossEntropyLoss()(model(train.x), train.t)


def train_curve(train, batch_size: int, epochs: int, seed: int, time_budget: float = 0.0) -> dict:
    """SGD with ``batch_size`` for at least ``epochs`` epochs and ``time_budget`` seconds of
    training. Records the whole-training-set loss with the epochs done and the training seconds so
    far (evaluation excluded): at every quarter epoch during the first ``epochs`` epochs, and
    after that whenever the number of updates has grown by 15%."""
    model, loss_fn = new_model(seed), CrossEntropyLoss()
    optimizer = SGD(model.parameters(), lr=LR)
    loader = DataLoader(train, batch_size, shuffle=True, seed=seed)
    steps = len(loader)
    quarters = {round(k * steps / 4) for k in range(1, 5)}
    curve = {"epoch": [0.0], "seconds": [0.0], "loss": [train_loss(model, train)]}
    seconds, updates, next_eval, epoch = 0.0, 0, 1, 0
    while epoch < epochs or seconds < time_budget:
        started = time.perf_counter()
        for step, (x, t) in enumerate(loader.epoch(epoch), start=1):
            loss_fn(model(x), t)
            optimizer.zero_grad()
            model.backward(loss_fn.backward())
            optimizer.step()
            updates += 1
            if (step in quarters and epoch < epochs) or updates >= next_eval:
                seconds += time.perf_counter() - started
                curve["epoch"].append(epoch + step / steps)
                curve["seconds"].append(seconds)
                curve["loss"].append(train_loss(model, train))
                next_eval = max(next_eval, int(updates * 1.15) + 1)
                started = time.perf_counter()
        seconds += time.perf_counter() - started
        epoch += 1
    if curve["seconds"][-1] < seconds:
        curve["epoch"].append(float(epoch))
        curve["seconds"].append(seconds)
        curve["loss"].append(train_loss(model, train))
    curve["updates"], curve["epochs_run"], curve["train_seconds"] = updates, epoch, seconds
    return curve


def at(curve: dict, key: str, value: float) -> float:
    """The loss recorded last at or before ``curve[key] == value``."""
    index = np.searchsorted(np.array(curve[key]), value + 1e-12, side="right") - 1
    return curve["loss"][max(index, 0)]


def warm_up(train) -> None:
    """One update at each batch size, so first-call costs do not land in the timings."""
    for batch_size in (1, MINI_BATCH, len(train.x)):
        model, loss_fn = new_model(0), CrossEntropyLoss()
        loss_fn(model(train.x[:batch_size]), train.t[:batch_size])
        model.backward(loss_fn.backward())


def online(train, test, seed: int, evals: int = 20) -> dict:
    """Learn from the training set delivered once, one sample at a time, in a random order."""
    model, loss_fn = new_model(seed), CrossEntropyLoss()
    optimizer = SGD(model.parameters(), lr=LR)
    order = np.random.default_rng([seed, 1]).permutation(len(train.x))
    seen = np.zeros(len(train.x), dtype=np.int64)
    marks = set(np.linspace(0, len(order), evals + 1).round().astype(int)[1:])
    curve = {"samples": [0], "test_accuracy": [accuracy(model, test)]}
    for count, i in enumerate(order, start=1):
        seen[i] += 1
        loss_fn(model(train.x[i:i + 1]), train.t[i:i + 1])
        optimizer.zero_grad()
        model.backward(loss_fn.backward())
        optimizer.step()
        if count in marks:
            curve["samples"].append(count)
            curve["test_accuracy"].append(accuracy(model, test))
    curve["times_seen"] = [int(seen.min()), int(seen.max())]
    return curve


def run(out_dir, quick: bool = False, lang: str = "en", seed: int = 0) -> ExperimentResult:
    result, out_dir, started = start(NAME, TITLE, CLAIM, out_dir, lang)
    epochs = 2 if quick else 20
    train, test = load_splits("digits", seed=seed)
    n = len(train.x)
    methods = {"full_batch": n, "mini_batch": MINI_BATCH, "sgd": 1}
    with single_threaded():
        warm_up(train)
        curves = {"sgd": train_curve(train, 1, epochs, seed)}
        budget = curves["sgd"]["train_seconds"]  # the others get the wall time SGD needed for its epochs
        for name in ("full_batch", "mini_batch"):
            curves[name] = train_curve(train, methods[name], epochs, seed, time_budget=budget)
    curves = {name: curves[name] for name in methods}
    stream = online(train, test, seed)

    per_method = {
        name: {"batch_size": methods[name], "initial_loss": c["loss"][0],
               f"loss_after_{epochs}_epochs": at(c, "epoch", epochs),
               "loss_after_the_time_budget": at(c, "seconds", budget),
               "epochs_in_the_time_budget": c["epochs_run"], "updates_in_the_time_budget": c["updates"]}
        for name, c in curves.items()
    }
    after = f"loss_after_{epochs}_epochs"
    result.numbers = {
        "dataset": f"digits ({n} train / {len(test.x)} test)", "model": f"MLP 64-{HIDDEN}-10 ReLU",
        "lr": LR, "epochs": epochs, "time_budget_seconds": budget, "blas_threads": 1, "methods": per_method,
        "online": {"samples": n, "times_each_sample_seen_min_max": stream["times_seen"],
                   "test_accuracy_before": stream["test_accuracy"][0],
                   "test_accuracy_after_one_pass": stream["test_accuracy"][-1]},
    }
    full = per_method["full_batch"]
    mini, sgd = per_method["mini_batch"], per_method["sgd"]
    result.checks = checks(lang, [
        ({"en": "every method reduces the training loss", "ja": "すべての手法で訓練損失が下がる"},
         all(m[after] < m["initial_loss"] for m in per_method.values())),
        ({"en": f"after {epochs} epochs, mini-batch and SGD are below full batch",
          "ja": f"{epochs} エポック後、ミニバッチと SGD の損失は全データより小さい"},
         max(mini[after], sgd[after]) < full[after]),
        ({"en": "in the same wall time, mini-batch and SGD are below full batch",
          "ja": "同じ経過時間で、ミニバッチと SGD の損失は全データより小さい"},
         max(mini["loss_after_the_time_budget"], sgd["loss_after_the_time_budget"])
         < full["loss_after_the_time_budget"]),
        ({"en": "the online run saw each sample exactly once", "ja": "オンライン学習は各サンプルをちょうど1回使った"},
         stream["times_seen"] == [1, 1]),
        ({"en": "online learning beats chance by far (test accuracy > 0.5)",
          "ja": "オンライン学習は当て推量を大きく上回る (テスト正解率 > 0.5)"}, stream["test_accuracy"][-1] > 0.5),
    ])
    _plot(out_dir, result, lang, curves, stream)
    result.seconds = time.perf_counter() - started
    return result


def _plot(out_dir, result, lang, curves, stream) -> None:
    fig, (ax_epoch, ax_time, ax_online) = figures.subplots(lang, 1, 3, height=4.2)
    names = {"full_batch": pick(lang, {"en": "full batch (gradient descent)", "ja": "全データ (勾配降下法)"}),
             "mini_batch": pick(lang, {"en": f"mini-batch ({MINI_BATCH})", "ja": f"ミニバッチ ({MINI_BATCH})"}),
             "sgd": pick(lang, {"en": "SGD (1 sample)", "ja": "SGD (1 サンプル)"})}
    epochs = result.numbers["epochs"]
    for i, (name, c) in enumerate(curves.items()):
        first = np.array(c["epoch"]) <= epochs + 1e-9
        ax_epoch.semilogy(np.array(c["epoch"])[first], np.array(c["loss"])[first], "-o", ms=3, color=f"C{i}",
                          label=names[name])
        ax_time.semilogy(c["seconds"], c["loss"], "-", color=f"C{i}", label=names[name])
    loss_label = pick(lang, {"en": "training loss (whole set, log)", "ja": "訓練データ全体の損失 (対数)"})
    ax_epoch.set(title=pick(lang, {"en": f"Loss against epochs\n(ε = {LR})", "ja": f"エポックごとの損失\n(ε = {LR})"}),
                 xlabel=pick(lang, {"en": "epoch (passes over the data)", "ja": "エポック (データの周回数)"}),
                 ylabel=loss_label)
    ax_time.set(title=pick(lang, {"en": "Loss against training time\n(same budget)",
                                  "ja": "学習時間に対する損失\n(同じ持ち時間)"}),
                xlabel=pick(lang, {"en": "wall time (s)", "ja": "経過時間 (秒)"}), ylabel=loss_label)
    ax_online.plot(stream["samples"], stream["test_accuracy"], "-o", ms=3, color="C3")
    ax_online.axhline(0.1, color="k", ls=":", lw=1, label=pick(lang, {"en": "chance (10 classes)",
                                                                       "ja": "当て推量 (10 クラス)"}))
    ax_online.set(title=pick(lang, {"en": "Online learning:\neach sample seen once",
                                    "ja": "オンライン学習:\n各サンプルを一度だけ使用"}),
                  xlabel=pick(lang, {"en": "samples received", "ja": "受け取ったサンプル数"}),
                  ylabel=pick(lang, {"en": "test accuracy", "ja": "テスト正解率"}), ylim=(0, 1))
    for ax in (ax_epoch, ax_time, ax_online):
        ax.grid(alpha=0.3)
        ax.legend()
    caption = pick(lang, {
        "en": "digits, MLP, same start and learning rate. Left: per pass over the data, SGD and mini-batch "
              "make many updates and drive the loss far below full-batch gradient descent (one update per "
              "pass). Middle: each method trained for the wall time SGD needed for its epochs; full batch "
              "stays far behind the stochastic methods. Right: an online run that reads each training sample "
              "once learns as the stream goes by.",
        "ja": "digits、MLP、同じ初期値と学習率。左: データ1周あたりでは、SGD とミニバッチは多くの更新を行い、"
              "1周に1回しか更新しない勾配降下法より損失がずっと小さくなる。中: SGD が所定のエポックにかけた時間"
              "だけ各手法を学習させた結果。全データの勾配降下法は確率的な手法に大きく遅れる。右: 各訓練サンプルを"
              "一度だけ読むオンライン学習でも、データが流れるにつれて学習が進む。",
    })
    save_figure(fig, out_dir, "sgd.png", result, caption)

TABLES = [
    Table({"en": "Per method", "ja": "手法ごと"}, rows="methods", row_header={"en": "method", "ja": "手法"},
          row_names={"full_batch": {"en": "full batch", "ja": "全データ"},
                     "mini_batch": {"en": "mini-batch", "ja": "ミニバッチ"}, "sgd": {"en": "SGD", "ja": "SGD"}},
          columns=[Col("methods/{row}/batch_size", {"en": "batch size", "ja": "バッチサイズ"}),
                   Col("methods/{row}/initial_loss", {"en": "initial loss", "ja": "初期損失"}),
                   Col("methods/{row}/loss_after_20_epochs", {"en": "loss after the epochs", "ja": "所定エポック後の損失"}),
                   Col("methods/{row}/loss_after_the_time_budget", {"en": "loss after the time budget",
                                                                    "ja": "持ち時間後の損失"}),
                   Col("methods/{row}/updates_in_the_time_budget", {"en": "updates in the budget",
                                                                   "ja": "持ち時間内の更新回数"})]),
    Table({"en": "Online learning", "ja": "オンライン学習"}, columns=[
        Col("online/samples", {"en": "samples (each seen once)", "ja": "サンプル数 (各1回)"}),
        Col("online/test_accuracy_before", {"en": "test accuracy before", "ja": "学習前のテスト精度"}),
        Col("online/test_accuracy_after_one_pass", {"en": "test accuracy after one pass",
                                                    "ja": "1周後のテスト精度"}),
        Col("time_budget_seconds", {"en": "time budget", "ja": "持ち時間"}, {"en": "s", "ja": "秒"})]),
]
