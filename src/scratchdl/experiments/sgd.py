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
from .base import ExperimentResult, pick, save_figure, single_threaded, start
from .evidence import Check, Panel, Statement, claim, conclude, pct
from .tables import Col, Table

NAME = "sgd"
TITLE = {"en": "Full-batch gradient descent, SGD and mini-batch SGD", "ja": "勾配降下法・SGD・ミニバッチ SGD"}
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
    curve["updates_per_epoch"] = steps
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
               "loss_after_the_epochs": at(c, "epoch", epochs), "updates_per_epoch": c["updates_per_epoch"],
               "loss_after_the_time_budget": at(c, "seconds", budget),
               "epochs_in_the_time_budget": c["epochs_run"], "updates_in_the_time_budget": c["updates"]}
        for name, c in curves.items()
    }
    result.numbers = {
        "dataset": f"digits ({n} train / {len(test.x)} test)", "model": f"MLP 64-{HIDDEN}-10 ReLU",
        "lr": LR, "epochs": epochs, "time_budget_seconds": budget, "blas_threads": 1, "methods": per_method,
        "online": {"samples": n, "times_each_sample_seen_min_max": stream["times_seen"],
                   "test_accuracy_before": stream["test_accuracy"][0],
                   "test_accuracy_after_one_pass": stream["test_accuracy"][-1]},
    }
    _plot(out_dir, result, lang, curves, stream)
    conclude(result, PANELS, CHECKS, quick)
    result.seconds = time.perf_counter() - started
    return result


# ---- what the numbers say ------------------------------------------------------------------------
def _below_full_batch(n: dict, key: str) -> bool:
    m = n["methods"]
    return max(m["mini_batch"][key], m["sgd"][key]) < m["full_batch"][key]


def _epochs_finding(n: dict, lang: str) -> str:
    m, e = n["methods"], n["epochs"]
    losses = {k: f"{v['loss_after_the_epochs']:.3g}" for k, v in m.items()}
    updates = {k: f"{v['updates_per_epoch'] * e:,}" for k, v in m.items()}
    return pick(lang, {
        "en": f"after {e} epochs the training loss (from {m['sgd']['initial_loss']:.3g}) is {losses['full_batch']} with "
              f"full batch ({updates['full_batch']} updates), {losses['mini_batch']} with mini-batches "
              f"({updates['mini_batch']} updates) and {losses['sgd']} with SGD ({updates['sgd']} updates).",
        "ja": f"{e} エポック後の訓練損失 (初期値 {m['sgd']['initial_loss']:.3g}) は、全データで {losses['full_batch']} "
              f"(更新 {updates['full_batch']} 回)、ミニバッチで {losses['mini_batch']} (更新 {updates['mini_batch']} 回)、"
              f"SGD で {losses['sgd']} (更新 {updates['sgd']} 回)。",
    })


def _time_finding(n: dict, lang: str) -> str:
    m = n["methods"]
    parts = {k: (f"{v['epochs_in_the_time_budget']:,}", f"{v['loss_after_the_time_budget']:.3g}") for k, v in m.items()}
    return pick(lang, {
        "en": f"in {n['time_budget_seconds']:.1f} s of training (SGD's {n['epochs']} epochs) full batch ran "
              f"{parts['full_batch'][0]} epochs to a loss of {parts['full_batch'][1]}, mini-batches "
              f"{parts['mini_batch'][0]} epochs to {parts['mini_batch'][1]} and SGD {parts['sgd'][0]} epochs to "
              f"{parts['sgd'][1]}.",
        "ja": f"{n['time_budget_seconds']:.1f} 秒の学習 (SGD の {n['epochs']} エポック分) で、全データは "
              f"{parts['full_batch'][0]} エポック進んで損失 {parts['full_batch'][1]}、ミニバッチは {parts['mini_batch'][0]} "
              f"エポックで {parts['mini_batch'][1]}、SGD は {parts['sgd'][0]} エポックで {parts['sgd'][1]}。",
    })


def _online_finding(n: dict, lang: str) -> str:
    o = n["online"]
    low, high = o["times_each_sample_seen_min_max"]
    seen = {"en": f"each seen {low} time(s)" if low == high else f"each seen {low} to {high} times",
            "ja": f"どれも {low} 回" if low == high else f"{low}〜{high} 回"}
    return pick(lang, {
        "en": f"reading the stream of {o['samples']:,} training samples ({seen['en']}), the test accuracy goes "
              f"from {pct(o['test_accuracy_before'])} to {pct(o['test_accuracy_after_one_pass'])}.",
        "ja": f"{o['samples']:,} 個の訓練サンプルの流れを読む (各サンプルの使用回数は{seen['ja']}) と、テスト精度は "
              f"{pct(o['test_accuracy_before'])} から {pct(o['test_accuracy_after_one_pass'])} になる。",
    })


STATEMENTS = [
    Statement("definition", {
        "en": "Gradient descent uses the mean error over all samples, one update per pass over the data; stochastic "
              "gradient descent (SGD) updates the weights from the error of randomly drawn samples (one, or a "
              "mini-batch), many updates per pass.",
        "ja": "勾配降下法は全サンプルの平均誤差を使い、データ1周で1回更新する。確率的勾配降下法 (SGD) はランダムに"
              "抽出したサンプル (1つ、またはミニバッチ) の誤差で重みを更新し、1周で何度も更新する。"}),
    Statement("redundant", {
        "en": "With redundant data this cuts the computation needed to make progress: per pass and per second of "
              "training, SGD and mini-batch SGD bring the training loss lower than full-batch gradient descent.",
        "ja": "データが冗長な場合、これで学習を進めるのに必要な計算が減る。データ1周あたりでも学習時間あたりでも、"
              "SGD とミニバッチ SGD は全データの勾配降下法より訓練損失を下げる。"}),
    Statement("online", {
        "en": "SGD also makes online learning possible: learning from a stream that delivers each sample once.",
        "ja": "SGD ではオンライン学習 (各サンプルを一度だけ受け取るデータの流れからの学習) もできる。"}),
]
CLAIM = claim(STATEMENTS)

PANELS = [
    Panel("epochs", "sgd.png", {"en": "Loss against epochs (left)", "ja": "エポックごとの損失 (左)"}, _epochs_finding),
    Panel("time", "sgd.png", {"en": "Loss against training time (middle)", "ja": "学習時間に対する損失 (中)"},
          _time_finding),
    Panel("online", "sgd.png", {"en": "Online learning (right)", "ja": "オンライン学習 (右)"}, _online_finding),
]

CHECKS = [
    Check("updates", {"en": "per pass, full batch makes 1 update, mini-batch ⌈N/32⌉ and SGD N",
                      "ja": "1周あたりの更新は全データで1回、ミニバッチで ⌈N/32⌉ 回、SGD で N 回"},
          "definition", ("epochs",),
          lambda n: [n["methods"][k]["updates_per_epoch"] for k in ("full_batch", "mini_batch", "sgd")]
          == [1, -(-int(n["methods"]["full_batch"]["batch_size"]) // MINI_BATCH), n["methods"]["full_batch"]["batch_size"]]),
    Check("reduces", {"en": "every method reduces the training loss", "ja": "すべての手法で訓練損失が下がる"},
          "redundant", ("epochs",),
          lambda n: all(m["loss_after_the_epochs"] < m["initial_loss"] for m in n["methods"].values())),
    Check("per_epoch", {"en": "after {epochs} epochs, mini-batch and SGD are below full batch",
                        "ja": "{epochs} エポック後、ミニバッチと SGD の損失は全データより小さい"}, "redundant", ("epochs",),
          lambda n: _below_full_batch(n, "loss_after_the_epochs")),
    Check("per_second", {"en": "in the same wall time, mini-batch and SGD are below full batch",
                         "ja": "同じ経過時間で、ミニバッチと SGD の損失は全データより小さい"}, "redundant", ("time",),
          lambda n: _below_full_batch(n, "loss_after_the_time_budget")),
    Check("once", {"en": "the online run saw each sample exactly once", "ja": "オンライン学習は各サンプルをちょうど1回使った"},
          "online", ("online",), lambda n: n["online"]["times_each_sample_seen_min_max"] == [1, 1]),
    Check("learns", {"en": "online learning beats chance by far (test accuracy > 0.5)",
                     "ja": "オンライン学習は当て推量を大きく上回る (テスト正解率 > 0.5)"}, "online", ("online",),
          lambda n: n["online"]["test_accuracy_after_one_pass"] > 0.5),
]


def _plot(out_dir, result, lang, curves, stream) -> None:
    fig, (ax_epoch, ax_time, ax_online) = figures.subplots(lang, 1, 3, height=5.4)
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
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2))  # under the panel: the curves fill it
    caption = pick(lang, {
        "en": "digits, MLP, same start and learning rate. Left: training loss on the whole training set per pass "
              "over the data for full-batch gradient descent (one update per pass), mini-batches and SGD. Middle: "
              "the same against training time, each method given the wall time SGD needed for its epochs. Right: "
              "test accuracy of an online run that reads each training sample once. (The course also credits "
              "SGD's noise with a lower risk of converging to poor local minima; that is not measured here.)",
        "ja": "digits、MLP、同じ初期値と学習率。左: 全データの勾配降下法 (1周に1回更新)・ミニバッチ・SGD の、データ1周"
              "ごとの訓練データ全体の損失。中: 同じものを学習時間に対して。各手法に SGD が所定のエポックにかけた時間を"
              "与えた。右: 各訓練サンプルを一度だけ読むオンライン学習のテスト精度。(講義では SGD のノイズが望まない局所"
              "極小解に収束するリスクを下げることも利点に挙げているが、ここでは測っていない。)",
    })
    save_figure(fig, out_dir, "sgd.png", result, caption)


TABLES = [
    Table({"en": "Per method", "ja": "手法ごと"}, rows="methods", row_header={"en": "method", "ja": "手法"},
          row_names={"full_batch": {"en": "full batch", "ja": "全データ"},
                     "mini_batch": {"en": "mini-batch", "ja": "ミニバッチ"}, "sgd": {"en": "SGD", "ja": "SGD"}},
          columns=[Col("methods/{row}/batch_size", {"en": "batch size", "ja": "バッチサイズ"}),
                   Col("methods/{row}/initial_loss", {"en": "initial loss", "ja": "初期損失"}),
                   Col("methods/{row}/loss_after_the_epochs", {"en": "loss after the epochs", "ja": "所定エポック後の損失"}),
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
