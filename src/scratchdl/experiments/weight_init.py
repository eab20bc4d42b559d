r"""Weight initialization: activation spread per layer for N(0, 1), N(0, 0.01), Xavier and He, and
why keeping the spread does not make a deep sigmoid net learn quickly.

A layer :math:`u = zW` with :math:`n` inputs of variance :math:`v` and weights of variance
:math:`s^2` gives pre-activations of variance :math:`n s^2 v`. So the scale of the weights decides
whether the signal keeps its spread through the layers:

- N(0, 1): :math:`n s^2 = 100`, pre-activations are huge; sigmoid and tanh outputs pile up at
  their extremes (saturated, derivative near 0), ReLU outputs explode layer by layer.
- N(0, 0.01): :math:`n s^2 = 0.01`, the spread collapses towards 0 layer by layer (the sigmoid's
  outputs all sit at 0.5), and every unit computes nearly the same thing.
- Xavier: mean 0, **standard deviation** :math:`1/\sqrt{n}` (variance :math:`1/n`, :math:`n` the
  fan-in), keeps the variance for activations that are linear near 0 (sigmoid, tanh).
- He: variance :math:`2/n`, the factor 2 making up for ReLU zeroing half of the units.

Keeping the spread is not the whole story for the sigmoid. Its outputs have mean 1/2, so a unit's
pre-activation is a fixed offset (1/2 times the sum of its weights, the same for every input) plus
a part that differs from input to input; that part passes each sigmoid layer multiplied by
:math:`\sigma'(\cdot) \le 1/4` (and by about 1 from Xavier weights). The spread over all units
stays in the band, carried by the offsets, while the spread *between inputs* shrinks about 4 times
per layer: the top hidden layer of a deep sigmoid net gives nearly the same vector for every digit.
The output layer can then only learn the class frequencies, and under SGD it does so by pushing
that layer's outputs towards 0, where they sit for many epochs while the test accuracy stays at
chance; Glorot and Bengio (2010) reported this plateau. tanh (mean 0, slope 1 at 0) keeps the
between-input spread; Adam's per-weight step size leaves the plateau quickly.

Measured as in "Deep Learning from Scratch": 1000 standard-normal inputs of 100 features through
5 layers of 100 units; per layer the std of the activations and the fraction of saturated units
(derivative below 8% of its maximum: sigmoid outputs outside [0.02, 0.98], tanh outside
[-0.96, 0.96]). Then a 4-hidden-layer MLP with each init is trained on ``digits``, with the spread
of each hidden layer's outputs between the training digits at the start (per unit, the std over
the digits, averaged over the units); the sigmoid + Xavier net is also trained for longer, with the
mean output of each hidden layer on the test digits recorded every epoch, and with Adam.
"""

from __future__ import annotations

import time

import numpy as np

from ..data import load_splits
from ..models import MLP
from ..nn import CrossEntropyLoss, Linear, activation
from ..optim import Adam, Momentum
from ..train import Callback, TrainingDiverged, TrainState, accuracy, fit
from . import figures
from .base import ExperimentResult, pick, save_figure, single_threaded, start
from .evidence import Check, Panel, Statement, claim, conclude, pct
from .tables import Col, Table

NAME = "weight-init"
TITLE = {"en": "Weight initialization: activation spread per layer, and training",
         "ja": "重みの初期値: 層ごとのアクティベーション分布と学習"}

ACTIVATIONS = ("sigmoid", "tanh", "relu")
INITS = {"normal:1": "N(0, 1)", "normal:0.01": "N(0, 0.01)", "xavier_normal": "Xavier", "he_normal": "He"}
MATCHED = {"sigmoid": "xavier_normal", "tanh": "xavier_normal", "relu": "he_normal"}
LAYERS, WIDTH, SAMPLES = 5, 100, 1000
HIDDEN = 4  # hidden layers of the trained MLP 64-100-100-100-100-10
BAND = (0.05, 1.0)  # the per-layer std range a healthy init stays in
LR, ADAM_LR = 0.05, 0.001
EPOCHS = {"quick": (5, 5), "full": (30, 200)}  # (every init, the longer sigmoid + Xavier run)
STYLES = ("-o", "--s", "-.^", ":D")  # one per init, so overlapping curves stay visible


def saturated(name: str, y: np.ndarray) -> float:
    """Fraction of units whose derivative is below 8% of its maximum (0 for ReLU, which has no
    saturating side: its dead units are counted separately as zeros)."""
    if name == "sigmoid":
        return float(np.mean((y < 0.02) | (y > 0.98)))
    if name == "tanh":
        return float(np.mean(np.abs(y) > 0.96))
    return 0.0


def forward_stats(act: str, init: str, x: np.ndarray, rng) -> list[np.ndarray]:
    """Activations of each of ``LAYERS`` Linear + ``act`` layers for input ``x``."""
    outputs, h = [], x
    for _ in range(LAYERS):
        h = activation(act)(Linear(WIDTH, WIDTH, bias=False, init=init, rng=rng)(h))
        outputs.append(h)
    return outputs


def hidden_outputs(model: MLP, x) -> list[np.ndarray]:
    """The output of each hidden activation layer of ``model`` for input ``x``."""
    h, outputs = model.flatten(x), []
    for layer in model.layers:
        h = layer(h)
        if not isinstance(layer, Linear):
            outputs.append(h)
    return outputs[:HIDDEN]


def spread_between_inputs(model: MLP, x) -> list[float]:
    """Per hidden layer: the std of each unit's output over the inputs ``x``, averaged over units
    (the part of the spread that tells one input from another)."""
    return [float(h.std(axis=0).mean()) for h in hidden_outputs(model, x)]


class LayerMeans(Callback):
    """After each epoch, the mean output of each hidden layer on ``x``."""

    def __init__(self, x, record: list):
        self.x, self.record = x, record

    def on_epoch_end(self, ctx) -> None:
        self.record.append([float(h.mean()) for h in hidden_outputs(ctx.model, self.x)])


def train_run(act: str, init: str, train, test, epochs: int, seed: int, optimizer: str = "momentum",
              watch: bool = False) -> dict:
    """Train a 64-100-100-100-100-10 MLP; its test accuracy per epoch (index 0 = before training),
    whether the loss became NaN, the spread between training digits per hidden layer at the start,
    and (``watch``) the mean output of each hidden layer per epoch (index 0 = start)."""
    model = MLP([64] + [WIDTH] * HIDDEN + [10], act, init, rng=np.random.default_rng(seed))
    spread = spread_between_inputs(model, train.x)
    means = [[float(h.mean()) for h in hidden_outputs(model, test.x)]] if watch else []
    accuracies = [accuracy(model, test)]
    opt = Momentum(model.parameters(), lr=LR) if optimizer == "momentum" else Adam(model.parameters(), lr=ADAM_LR)
    state, diverged = TrainState(), False
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # N(0, 1) + ReLU overflows, by design
            fit(model, CrossEntropyLoss(), opt, train, test, epochs=epochs, batch_size=64, seed=seed,
                progress=False, state=state, callbacks=[LayerMeans(test.x, means)] if watch else ())
    except TrainingDiverged:
        diverged = True
    accuracies += [float(a) for a in state.history.column("test_accuracy")]
    return {"test_accuracy": accuracies, "diverged": diverged, "spread_between_digits": spread,
            "mean_output_per_layer": means}


def first_epoch_above(values, level: float):
    """The first epoch (index) whose value exceeds ``level``; None if none does."""
    return next((i for i, v in enumerate(values) if v is not None and v > level), None)


def run(out_dir, quick: bool = False, lang: str = "en", seed: int = 0) -> ExperimentResult:
    result, out_dir, started = start(NAME, TITLE, CLAIM, out_dir, lang)
    epochs, long_epochs = EPOCHS["quick" if quick else "full"]
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((SAMPLES, WIDTH)).astype(np.float32)
    acts = {(a, i): forward_stats(a, i, x, np.random.default_rng([seed, k]))
            for k, (a, i) in enumerate((a, i) for a in ACTIVATIONS for i in INITS)}
    std = {key: [float(h.std()) for h in hs] for key, hs in acts.items()}
    sat = {key: [saturated(key[0], h) for h in hs] for key, hs in acts.items()}

    train, test = load_splits("digits", seed=seed)
    with single_threaded():
        runs = {}
        for a in ACTIVATIONS:
            for i in INITS:
                long = (a, i) == ("sigmoid", "xavier_normal")
                runs[(a, i)] = train_run(a, i, train, test, long_epochs if long else epochs, seed, watch=long)
        adam = train_run("sigmoid", "xavier_normal", train, test, epochs, seed, optimizer="adam", watch=True)
    long = runs[("sigmoid", "xavier_normal")]

    def table(values):
        return {a: {INITS[i]: values[(a, i)] for i in INITS} for a in ACTIVATIONS}

    curves = {k: r["test_accuracy"][:epochs + 1] for k, r in runs.items()}  # the long run cut to the others'
    means = np.array(long["mean_output_per_layer"])
    result.numbers = {
        "activation_std_per_layer": table(std),
        "saturated_fraction_per_layer": {a: t for a, t in table(sat).items() if a != "relu"},
        "band": list(BAND),
        "epochs": epochs,
        "final_test_accuracy": table({k: (None if runs[k]["diverged"] else c[-1]) for k, c in curves.items()}),
        "diverged": [f"{a} + {INITS[i]}" for (a, i), r in runs.items() if r["diverged"]],
        "test_accuracy_per_epoch": table(curves),
        "spread_between_digits_per_layer": table({k: r["spread_between_digits"] for k, r in runs.items()}),
        "sigmoid_xavier_momentum": {
            "epochs": long_epochs, "lr": LR, "test_accuracy": long["test_accuracy"],
            "mean_output_per_layer": {f"layer {k + 1}": [float(v) for v in means[:, k]] for k in range(HIDDEN)},
            "first_epoch_above_50%": first_epoch_above(long["test_accuracy"], 0.5),
        },
        "sigmoid_xavier_adam": {"epochs": epochs, "lr": ADAM_LR, "test_accuracy": adam["test_accuracy"],
                                "first_epoch_above_50%": first_epoch_above(adam["test_accuracy"], 0.5)},
    }
    _plot_histograms(out_dir, result, lang, acts)
    _plot_std(out_dir, result, lang, std)
    _plot_training(out_dir, result, lang, runs, curves)
    _plot_plateau(out_dir, result, lang, runs, adam)
    conclude(result, PANELS, CHECKS, quick)
    result.seconds = time.perf_counter() - started
    return result


# ---- what the numbers say ------------------------------------------------------------------------
def _per_layer_factor(values) -> float:
    """The geometric-mean factor from one layer to the next."""
    return float(np.exp(np.mean(np.diff(np.log(values)))))


def _plateau(n: dict) -> dict:
    """The plateau of the sigmoid + Xavier momentum run: the epochs before the test accuracy first
    passes 20%, the lowest mean output of the top hidden layer in them (and its epoch), and the
    range of the lower layers' means in them."""
    run = n["sigmoid_xavier_momentum"]
    acc, layers = run["test_accuracy"], run["mean_output_per_layer"]
    end = first_epoch_above(acc, 0.2)
    end = len(acc) if end is None else end
    top = layers[f"layer {HIDDEN}"][:end]
    lower = [v for k in range(1, HIDDEN) for v in layers[f"layer {k}"][:end]]
    low = int(np.argmin(top))
    return {"epochs": end, "top_min": top[low], "top_min_epoch": low, "top_start": top[0],
            "lower_range": (min(lower), max(lower))}


def _sinks(n: dict) -> bool:
    p = _plateau(n)
    return p["top_min"] < 0.2 and p["lower_range"][0] >= 0.35 and p["lower_range"][1] <= 0.65


def _recovers(n: dict) -> bool:
    run = n["sigmoid_xavier_momentum"]
    return run["test_accuracy"][-1] > 0.9 and run["mean_output_per_layer"][f"layer {HIDDEN}"][-1] > 0.3


def _ordered(n: dict) -> bool:
    acc, spread = n["final_test_accuracy"]["sigmoid"], n["spread_between_digits_per_layer"]["sigmoid"]
    order = ("N(0, 1)", "He", "Xavier")
    return all(acc[a] is not None and acc[b] is not None and acc[a] > acc[b] and spread[a][-1] > spread[b][-1]
               for a, b in zip(order, order[1:], strict=False))


def _matched_in_band(n: dict, act: str) -> bool:
    init = INITS[MATCHED[act]]
    ok = all(BAND[0] <= s <= BAND[1] for s in n["activation_std_per_layer"][act][init])
    return ok and (act == "relu" or max(n["saturated_fraction_per_layer"][act][init]) < 0.1)


def _histograms_finding(n: dict, lang: str) -> str:
    sat, std = n["saturated_fraction_per_layer"], n["activation_std_per_layer"]
    return pick(lang, {
        "en": f"with N(0, 1), {sat['tanh']['N(0, 1)'][-1]:.0%} of the tanh and {sat['sigmoid']['N(0, 1)'][-1]:.0%} "
              f"of the sigmoid outputs of layer 5 are saturated and ReLU's spread grows to "
              f"{std['relu']['N(0, 1)'][-1]:.1e}; with N(0, 0.01) every layer-5 histogram is a spike (std "
              f"{max(std[a]['N(0, 0.01)'][-1] for a in ACTIVATIONS):.1e} at most); Xavier (sigmoid, tanh) and He "
              f"(ReLU) keep a spread with at most {max(max(sat[a]['Xavier']) for a in ('sigmoid', 'tanh')):.0%} "
              "saturated.",
        "ja": f"N(0, 1) では第5層の tanh 出力の {sat['tanh']['N(0, 1)'][-1]:.0%}、シグモイド出力の "
              f"{sat['sigmoid']['N(0, 1)'][-1]:.0%} が飽和し、ReLU の広がりは {std['relu']['N(0, 1)'][-1]:.1e} "
              f"まで大きくなる。N(0, 0.01) では第5層のヒストグラムはどれも一点に集まる (標準偏差は最大でも "
              f"{max(std[a]['N(0, 0.01)'][-1] for a in ACTIVATIONS):.1e})。Xavier (シグモイド, tanh) と He (ReLU) "
              f"では広がりが保たれ、飽和は最大 {max(max(sat[a]['Xavier']) for a in ('sigmoid', 'tanh')):.0%}。",
    })


def _std_finding(n: dict, lang: str) -> str:
    std = n["activation_std_per_layer"]
    last = {a: {i: v[-1] for i, v in t.items()} for a, t in std.items()}
    return pick(lang, {
        "en": f"std after {LAYERS} layers: sigmoid {last['sigmoid']['Xavier']:.2f} and tanh "
              f"{last['tanh']['Xavier']:.2f} with Xavier, ReLU {last['relu']['He']:.2f} with He, all inside the band "
              f"{tuple(BAND)}; N(0, 0.01) ends at {last['sigmoid']['N(0, 0.01)']:.1e} (sigmoid), "
              f"{last['tanh']['N(0, 0.01)']:.1e} (tanh) and {last['relu']['N(0, 0.01)']:.1e} (ReLU); ReLU + N(0, 1) "
              f"at {last['relu']['N(0, 1)']:.1e}.",
        "ja": f"{LAYERS} 層後の標準偏差: Xavier でシグモイド {last['sigmoid']['Xavier']:.2f}、tanh "
              f"{last['tanh']['Xavier']:.2f}、He で ReLU {last['relu']['He']:.2f} で、いずれも範囲 {tuple(BAND)} 内。"
              f"N(0, 0.01) では {last['sigmoid']['N(0, 0.01)']:.1e} (シグモイド)、{last['tanh']['N(0, 0.01)']:.1e} "
              f"(tanh)、{last['relu']['N(0, 0.01)']:.1e} (ReLU) まで小さくなり、ReLU + N(0, 1) では "
              f"{last['relu']['N(0, 1)']:.1e}。",
    })


def _training_finding(n: dict, lang: str) -> str:
    acc = n["final_test_accuracy"]

    def show(a, i):
        return pick(lang, {"en": "diverged", "ja": "発散"}) if acc[a][i] is None else pct(acc[a][i])

    low = max(v for a in ACTIVATIONS if (v := acc[a]["N(0, 0.01)"]) is not None)
    return pick(lang, {
        "en": f"after {n['epochs']} epochs (Momentum, lr {LR}): tanh + Xavier {show('tanh', 'Xavier')}, tanh + He "
              f"{show('tanh', 'He')}, ReLU + He {show('relu', 'He')}, ReLU + Xavier {show('relu', 'Xavier')}; "
              f"sigmoid + N(0, 1) {show('sigmoid', 'N(0, 1)')}, sigmoid + He {show('sigmoid', 'He')}, sigmoid + "
              f"Xavier {show('sigmoid', 'Xavier')}; every N(0, 0.01) net {pct(low)} at most (chance is 10%); "
              f"tanh + N(0, 1) {show('tanh', 'N(0, 1)')}; ReLU + N(0, 1) {show('relu', 'N(0, 1)')}.",
        "ja": f"{n['epochs']} エポック後 (Momentum, 学習率 {LR}): tanh + Xavier {show('tanh', 'Xavier')}、tanh + He "
              f"{show('tanh', 'He')}、ReLU + He {show('relu', 'He')}、ReLU + Xavier {show('relu', 'Xavier')}。"
              f"シグモイド + N(0, 1) {show('sigmoid', 'N(0, 1)')}、シグモイド + He {show('sigmoid', 'He')}、"
              f"シグモイド + Xavier {show('sigmoid', 'Xavier')}。N(0, 0.01) のネットはどれも最大 {pct(low)} "
              f"(偶然の水準は 10%)。tanh + N(0, 1) {show('tanh', 'N(0, 1)')}、ReLU + N(0, 1) {show('relu', 'N(0, 1)')}。",
    })


def _spread_finding(n: dict, lang: str) -> str:
    s = n["spread_between_digits_per_layer"]
    sig, tanh = _per_layer_factor(s["sigmoid"]["Xavier"]), _per_layer_factor(s["tanh"]["Xavier"])
    return pick(lang, {
        "en": f"at the start, the top hidden layer's outputs differ between digits by {s['sigmoid']['Xavier'][-1]:.1e} "
              f"with sigmoid + Xavier (×{sig:.2f} per layer, close to σ'(0) = 0.25), {s['sigmoid']['He'][-1]:.1e} "
              f"with sigmoid + He and {s['sigmoid']['N(0, 1)'][-1]:.2f} with sigmoid + N(0, 1); tanh + Xavier keeps "
              f"{s['tanh']['Xavier'][-1]:.2f} (×{tanh:.2f} per layer).",
        "ja": f"学習前、最上位の隠れ層の出力の数字ごとの違い (広がり) は、シグモイド + Xavier で "
              f"{s['sigmoid']['Xavier'][-1]:.1e} (1層ごとに ×{sig:.2f}、σ'(0) = 0.25 に近い)、シグモイド + He で "
              f"{s['sigmoid']['He'][-1]:.1e}、シグモイド + N(0, 1) で {s['sigmoid']['N(0, 1)'][-1]:.2f}。tanh + Xavier "
              f"では {s['tanh']['Xavier'][-1]:.2f} が保たれる (1層ごとに ×{tanh:.2f})。",
    })


def _plateau_finding(n: dict, lang: str) -> str:
    run, p = n["sigmoid_xavier_momentum"], _plateau(n)
    first = run["first_epoch_above_50%"]
    top = run["mean_output_per_layer"][f"layer {HIDDEN}"]
    lo, hi = p["lower_range"]
    later = {"en": "it never passes 50% in this run", "ja": "この実行では 50% を超えない"} if first is None else {
        "en": f"the test accuracy first passes 50% at epoch {first}, when the top layer's mean is back at "
              f"{top[first]:.2f}",
        "ja": f"テスト精度が初めて 50% を超えるのはエポック {first} で、そのとき最上位の層の平均は {top[first]:.2f} "
              "まで戻っている"}
    return pick(lang, {
        "en": f"with momentum SGD the test accuracy stays below 20% up to epoch {p['epochs'] - 1}, while the mean output "
              f"of the top hidden layer falls from {p['top_start']:.2f} to {p['top_min']:.2f} (epoch "
              f"{p['top_min_epoch']}) and layers 1–3 stay between {lo:.2f} and {hi:.2f}; {pick('en', later)}; "
              f"after {run['epochs']} epochs: {pct(run['test_accuracy'][-1])}.",
        "ja": f"Momentum SGD ではテスト精度がエポック {p['epochs'] - 1} まで 20% 未満に留まり、その間に最上位の隠れ層の"
              f"平均出力は {p['top_start']:.2f} から {p['top_min']:.2f} (エポック {p['top_min_epoch']}) まで下がり、"
              f"第1〜3層は {lo:.2f}〜{hi:.2f} に留まる。{pick('ja', later)}。{run['epochs']} エポック後は "
              f"{pct(run['test_accuracy'][-1])}。",
    })


def _remedies_finding(n: dict, lang: str) -> str:
    adam, momentum = n["sigmoid_xavier_adam"], n["sigmoid_xavier_momentum"]
    tanh = n["test_accuracy_per_epoch"]["tanh"]["Xavier"]

    def epoch(value):
        return "–" if value is None else str(value)

    return pick(lang, {
        "en": f"sigmoid + Xavier passes 50% at epoch {epoch(adam['first_epoch_above_50%'])} with Adam (lr "
              f"{ADAM_LR}; {pct(adam['test_accuracy'][-1])} after {adam['epochs']} epochs) and at epoch "
              f"{epoch(momentum['first_epoch_above_50%'])} with momentum SGD; tanh + Xavier with momentum SGD at "
              f"epoch {epoch(first_epoch_above(tanh, 0.5))}.",
        "ja": f"シグモイド + Xavier が 50% を超えるのは、Adam (学習率 {ADAM_LR}) でエポック "
              f"{epoch(adam['first_epoch_above_50%'])} ({adam['epochs']} エポック後 {pct(adam['test_accuracy'][-1])})、"
              f"Momentum SGD でエポック {epoch(momentum['first_epoch_above_50%'])}。tanh + Xavier は Momentum SGD で"
              f"エポック {epoch(first_epoch_above(tanh, 0.5))}。",
    })


STATEMENTS = [
    Statement("scale", {
        "en": "The scale of the initial weights decides whether activations keep their spread through the layers: "
              "N(0, 1) saturates sigmoid and tanh (outputs pile at the extremes) and makes ReLU explode; N(0, 0.01) "
              "makes the spread collapse towards 0, and a net started there does not learn.",
        "ja": "重みの初期値のスケールで、アクティベーションの広がりが層を通して保たれるかが決まる。N(0, 1) では"
              "シグモイドと tanh が飽和し (出力が両端に偏る)、ReLU は発散する。N(0, 0.01) では広がりが層ごとに 0 へ"
              "しぼみ、そこから始めたネットは学習しない。"}),
    Statement("matched", {
        "en": "Xavier (mean 0, standard deviation $1/√n$, i.e. variance $1/n$, n = fan-in) keeps the spread for "
              "sigmoid and tanh, He (variance $2/n$) for ReLU; tanh + Xavier and ReLU + He learn within a few "
              "epochs.",
        "ja": "Xavier の初期値 (平均 0、標準偏差 $1/√n$、つまり分散 $1/n$、n は前層のノード数) はシグモイドと tanh で、"
              "He の初期値 (分散 $2/n$) は ReLU で広がりを保ち、tanh + Xavier と ReLU + He は数エポックで学習する。"}),
    Statement("sigmoid", {
        "en": "Keeping the spread does not make a deep sigmoid net learn quickly: each sigmoid layer shrinks the "
              "differences between inputs by about σ'(0) = 1/4, so with Xavier weights the top hidden layer gives "
              "nearly the same output for every digit. Under momentum SGD that layer's outputs then sink towards 0 "
              "and the net sits at chance for dozens of epochs before it learns (the plateau Glorot and Bengio "
              "reported in 2010); Adam leaves the plateau within a few epochs, and larger weights (He, N(0, 1)) "
              "keep more of the differences and learn sooner.",
        "ja": "広がりを保っても、深いシグモイドのネットが速く学習するとは限らない。シグモイドの層を通るたびに入力ごとの"
              "違いは約 σ'(0) = 1/4 倍に縮むので、Xavier の初期値では最上位の隠れ層の出力がどの数字でもほぼ同じになる。"
              "Momentum SGD ではこの層の出力が 0 へ沈み、ネットは何十エポックも偶然の水準に留まってから学習し始める "
              "(Glorot と Bengio が 2010 年に報告した停滞)。Adam では数エポックで停滞を抜け、大きめの重み (He, N(0, 1)) "
              "では違いがより多く残り、早く学習する。"}),
]
CLAIM = claim(STATEMENTS)

PANELS = [
    Panel("histograms", "weight_init_histograms.png",
          {"en": "Histograms per layer (figure 1)", "ja": "層ごとのヒストグラム (図1)"}, _histograms_finding),
    Panel("std", "weight_init_std.png", {"en": "Std per layer (figure 2)", "ja": "層ごとの標準偏差 (図2)"},
          _std_finding),
    Panel("training", "weight_init_training.png",
          {"en": "Training from each init (figure 3)", "ja": "各初期値からの学習 (図3)"}, _training_finding),
    Panel("spread", "weight_init_sigmoid_plateau.png",
          {"en": "Spread between digits at the start (figure 4, left)", "ja": "学習前の数字ごとの広がり (図4 左)"},
          _spread_finding),
    Panel("plateau", "weight_init_sigmoid_plateau.png",
          {"en": "Sigmoid + Xavier under momentum SGD (figure 4, middle)",
           "ja": "Momentum SGD でのシグモイド + Xavier (図4 中)"}, _plateau_finding),
    Panel("remedies", "weight_init_sigmoid_plateau.png",
          {"en": "What gets sigmoid + Xavier learning (figure 4, right)",
           "ja": "シグモイド + Xavier が学習し始める条件 (図4 右)"}, _remedies_finding),
]

CHECKS = [
    Check("saturates", {"en": "N(0, 1) saturates sigmoid/tanh (> 40% at every layer)",
                        "ja": "N(0, 1) ではシグモイド/tanh が飽和 (全層で 40% 超)"}, "scale", ("histograms",),
          lambda n: min(min(n["saturated_fraction_per_layer"][a]["N(0, 1)"]) for a in ("sigmoid", "tanh")) > 0.4),
    Check("explodes", {"en": "N(0, 1) makes ReLU explode (last-layer std > 100)",
                       "ja": "N(0, 1) では ReLU が発散 (最終層の標準偏差 > 100)"}, "scale", ("histograms", "std"),
          lambda n: n["activation_std_per_layer"]["relu"]["N(0, 1)"][-1] > 100),
    Check("collapses", {"en": f"N(0, 0.01) collapses (last-layer std < {BAND[0]}, every activation)",
                        "ja": f"N(0, 0.01) ではしぼむ (全活性化関数で最終層の標準偏差 < {BAND[0]})"}, "scale", ("std",),
          lambda n: max(n["activation_std_per_layer"][a]["N(0, 0.01)"][-1] for a in ACTIVATIONS) < BAND[0]),
    Check("collapsed_stuck", {"en": "every N(0, 0.01) net stays near chance (< 20%) through all {epochs} epochs",
                              "ja": "N(0, 0.01) のネットはどれも {epochs} エポックの間ずっと偶然の水準付近 (< 20%)"},
          "scale", ("training",),
          lambda n: all(v < 0.2 for a in ACTIVATIONS for v in n["test_accuracy_per_epoch"][a]["N(0, 0.01)"])),
    Check("relu_diverges", {"en": "ReLU + N(0, 1) diverges (loss NaN) or stays below 50%",
                            "ja": "ReLU + N(0, 1) は発散する (損失が NaN) か 50% 未満に留まる"}, "scale", ("training",),
          lambda n: "relu + N(0, 1)" in n["diverged"] or n["final_test_accuracy"]["relu"]["N(0, 1)"] < 0.5),
    Check("xavier_band", {"en": f"Xavier keeps sigmoid/tanh std in {BAND} at every layer, < 10% saturated",
                          "ja": f"Xavier ではシグモイド/tanh の標準偏差が全層で {BAND} 内、飽和 10% 未満"},
          "matched", ("std", "histograms"), lambda n: _matched_in_band(n, "sigmoid") and _matched_in_band(n, "tanh")),
    Check("he_band", {"en": f"He keeps ReLU std in {BAND} at every layer", "ja": f"He では ReLU の標準偏差が全層で {BAND} 内"},
          "matched", ("std",), lambda n: _matched_in_band(n, "relu")),
    Check("matched_learn", {"en": "tanh + Xavier and ReLU + He exceed 90% test accuracy after {epochs} epochs",
                            "ja": "tanh + Xavier と ReLU + He は {epochs} エポック後にテスト精度 90% 超"},
          "matched", ("training",),
          lambda n: min(n["final_test_accuracy"]["tanh"]["Xavier"] or 0, n["final_test_accuracy"]["relu"]["He"] or 0)
          > 0.9, full_only=True),
    Check("shrinks", {"en": "sigmoid + Xavier: the spread between digits shrinks by a factor < 0.35 per layer "
                            "(tanh + Xavier: > 0.7)",
                      "ja": "シグモイド + Xavier では数字ごとの広がりが1層ごとに 0.35 倍未満に縮む (tanh + Xavier は 0.7 倍超)"},
          "sigmoid", ("spread",),
          lambda n: _per_layer_factor(n["spread_between_digits_per_layer"]["sigmoid"]["Xavier"]) < 0.35
          and _per_layer_factor(n["spread_between_digits_per_layer"]["tanh"]["Xavier"]) > 0.7),
    Check("stalls", {"en": "sigmoid + Xavier is still below 50% after {epochs} epochs of momentum SGD",
                     "ja": "シグモイド + Xavier は Momentum SGD で {epochs} エポック後も 50% 未満"},
          "sigmoid", ("training", "plateau"), lambda n: n["final_test_accuracy"]["sigmoid"]["Xavier"] < 0.5,
          full_only=True),
    Check("sinks", {"en": "while it is below 20%, its top hidden layer's mean output falls below 0.2 and layers 1–3 "
                          "stay within [0.35, 0.65]",
                    "ja": "20% 未満の間に最上位の隠れ層の平均出力が 0.2 未満に下がり、第1〜3層は [0.35, 0.65] 内に留まる"},
          "sigmoid", ("plateau",), _sinks, full_only=True),
    Check("recovers", {"en": "trained longer it learns: > 90% at the end, top layer's mean back above 0.3",
                       "ja": "長く学習すると学習する: 最後に 90% 超、最上位の層の平均は 0.3 超に戻る"},
          "sigmoid", ("plateau", "remedies"), _recovers, full_only=True),
    Check("adam", {"en": "with Adam, sigmoid + Xavier exceeds 70% within {epochs} epochs",
                   "ja": "Adam ではシグモイド + Xavier が {epochs} エポック以内に 70% を超える"},
          "sigmoid", ("remedies",), lambda n: n["sigmoid_xavier_adam"]["test_accuracy"][-1] > 0.7, full_only=True),
    Check("ordered", {"en": "after {epochs} epochs the sigmoid nets rank as the spread between digits of their top "
                            "layer at the start: N(0, 1) > He > Xavier",
                      "ja": "{epochs} エポック後のシグモイドのネットの精度は、学習前の最上位の層の数字ごとの広がりと同じ順 "
                            "(N(0, 1) > He > Xavier)"},
          "sigmoid", ("training", "spread"), _ordered, full_only=True),
]


# ---- figures -------------------------------------------------------------------------------------
def _plot_histograms(out_dir, result, lang, acts) -> None:
    """One ridge plot per (activation, init): the histogram of each layer stacked top to bottom."""
    fig, axes = figures.subplots(lang, len(ACTIVATIONS), len(INITS), height=10)
    edges_for = {"sigmoid": np.linspace(0, 1, 51), "tanh": np.linspace(-1, 1, 51),
                 "relu": np.logspace(-8, 6, 71)}  # ReLU: log scale, so collapse and explosion both show
    word = pick(lang, {"en": "layer", "ja": "層"})
    for row, act in enumerate(ACTIVATIONS):
        for col, init in enumerate(INITS):
            ax = axes[row, col]
            for layer, h in enumerate(acts[(act, init)]):
                values = h[h > 0] if act == "relu" else h  # ReLU: its zeros would hide the rest
                counts, edges = np.histogram(values, bins=edges_for[act])
                base = LAYERS - 1 - layer
                ax.stairs(base + 0.85 * counts / max(counts.max(), 1), edges, baseline=base, fill=True,
                          color=f"C{col}", alpha=0.8)
            if act == "relu":
                ax.set_xscale("log")
            ax.set_yticks(LAYERS - 1 - np.arange(LAYERS) + 0.3,
                          [f"{word} {k + 1}\nstd {h.std():.2g}" for k, h in enumerate(acts[(act, init)])])
            ax.set_ylim(0, LAYERS)
            ax.set_title(f"{act}, {INITS[init]}")
    fig.suptitle(pick(lang, {"en": "Activations per layer (1000 inputs, 5 layers of 100 units)",
                             "ja": "層ごとのアクティベーション分布 (入力1000個, 100ユニット×5層)"}))
    caption = pick(lang, {
        "en": "Histogram of the outputs of each of 5 layers (layer 1 on top) for sigmoid, tanh and ReLU "
              "(rows) and initial weights N(0, 1), N(0, 0.01), Xavier (std 1/√n), He (std √(2/n)) "
              "(columns). ReLU: nonzero outputs on a log axis.",
        "ja": "5層それぞれの出力のヒストグラム (上が第1層)。行: シグモイド, tanh, ReLU。列: 初期値 N(0, 1), "
              "N(0, 0.01), Xavier (標準偏差 1/√n), He (標準偏差 √(2/n))。ReLU は 0 以外の出力を対数軸で表示。",
    })
    save_figure(fig, out_dir, "weight_init_histograms.png", result, caption)


def _plot_std(out_dir, result, lang, std) -> None:
    fig, axes = figures.subplots(lang, 1, len(ACTIVATIONS), height=4.6, sharey=True)
    layers = np.arange(1, LAYERS + 1)
    for ax, act in zip(axes, ACTIVATIONS, strict=True):
        ax.axhspan(*BAND, color="0.9", label=pick(lang, {"en": "band", "ja": "適正範囲"}))
        for k, init in enumerate(INITS):
            ax.semilogy(layers, std[(act, init)], "-o", color=f"C{k}", label=INITS[init])
        ax.set(title=act, xlabel=pick(lang, {"en": "layer", "ja": "層"}), xticks=layers)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(pick(lang, {"en": "std of activations", "ja": "アクティベーションの標準偏差"}))
    axes[1].legend(*axes[0].get_legend_handles_labels(), loc="upper center", bbox_to_anchor=(0.5, -0.2),
                   ncol=len(INITS) + 1)  # one legend for the three panels, under them
    caption = pick(lang, {
        "en": f"Standard deviation of the activations per layer (log scale), over all units and inputs. Grey: the "
              f"band {BAND}.",
        "ja": f"層ごとのアクティベーションの標準偏差 (全ユニット・全入力について、対数軸)。灰色: 範囲 {BAND}。",
    })
    save_figure(fig, out_dir, "weight_init_std.png", result, caption)


def _plot_training(out_dir, result, lang, runs, curves) -> None:
    fig, axes = figures.subplots(lang, 1, len(ACTIVATIONS), height=5.2, sharey=True)
    for ax, act in zip(axes, ACTIVATIONS, strict=True):
        for k, init in enumerate(INITS):
            curve = curves[(act, init)]
            name = INITS[init] + (pick(lang, {"en": " (diverged)", "ja": " (発散)"}) if runs[(act, init)]["diverged"]
                                  else "")
            ax.plot(np.arange(len(curve)), curve, STYLES[k], ms=4 + k, color=f"C{k}", label=name, mfc="none")
        ax.axhline(0.1, color="k", ls=":", lw=1)
        ax.set(title=act, xlabel=pick(lang, {"en": "epoch", "ja": "エポック"}), ylim=(0, 1.02))
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2))  # under the panel: the curves fill it
    axes[0].set_ylabel(pick(lang, {"en": "test accuracy", "ja": "テスト精度"}))
    caption = pick(lang, {
        "en": f"Test accuracy on digits while training a 4-hidden-layer MLP (Momentum, lr {LR}) from each "
              "initialization (epoch 0: before training; dotted: chance, 10%). A run whose loss became NaN "
              "stops there and is marked diverged.",
        "ja": f"各初期値から4層の隠れ層を持つMLPを digits で学習したときのテスト精度 (Momentum, 学習率 {LR}。"
              "エポック 0 は学習前、点線は偶然の水準 10%)。損失が NaN になった実行はそこで止まり、発散と表示。",
    })
    save_figure(fig, out_dir, "weight_init_training.png", result, caption)


def _plot_plateau(out_dir, result, lang, runs, adam) -> None:
    """Why sigmoid + Xavier stalls: spread between digits per layer, the top layer sinking, remedies."""
    fig, (ax_spread, ax_means, ax_fix) = figures.subplots(lang, 1, 3, height=6.0)
    below = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.2)}  # legends under the panels: no data hidden
    layers = np.arange(1, HIDDEN + 1)
    shown = [("sigmoid", "normal:1"), ("sigmoid", "he_normal"), ("sigmoid", "xavier_normal"),
             ("tanh", "xavier_normal"), ("relu", "he_normal")]
    for k, (act, init) in enumerate(shown):
        ax_spread.semilogy(layers, runs[(act, init)]["spread_between_digits"], "-o" if act == "sigmoid" else "--s",
                           color=f"C{k}", label=f"{act} + {INITS[init]}")
    ax_spread.set(title=pick(lang, {"en": "Spread between digits\nat the start", "ja": "学習前の\n数字ごとの広がり"}),
                  xlabel=pick(lang, {"en": "hidden layer", "ja": "隠れ層"}), xticks=layers,
                  ylabel=pick(lang, {"en": "std over digits (mean over units)", "ja": "数字間の標準偏差 (ユニット平均)"}))
    ax_spread.legend(**below)

    long = runs[("sigmoid", "xavier_normal")]
    means = np.array(long["mean_output_per_layer"])
    epochs = np.arange(len(means))
    for k in range(HIDDEN):
        ax_means.plot(epochs, means[:, k], color=f"C{k}", lw=2.2 if k == HIDDEN - 1 else 1.2,
                      label=pick(lang, {"en": f"layer {k + 1}", "ja": f"第{k + 1}層"}))
    ax_means.plot(np.arange(len(long["test_accuracy"])), long["test_accuracy"], "k:", lw=1.5,
                  label=pick(lang, {"en": "test accuracy", "ja": "テスト精度"}))
    ax_means.set(title=pick(lang, {"en": "sigmoid + Xavier, Momentum:\nhidden layers' mean output",
                                   "ja": "シグモイド + Xavier, Momentum:\n隠れ層の平均出力"}),
                 xlabel=pick(lang, {"en": "epoch", "ja": "エポック"}), ylim=(0, 1.02))
    ax_means.legend(**below)

    tanh = runs[("tanh", "xavier_normal")]["test_accuracy"]
    for label, curve, style in (
            (pick(lang, {"en": "sigmoid + Xavier, Momentum", "ja": "シグモイド + Xavier, Momentum"}),
             long["test_accuracy"], "-"),
            (pick(lang, {"en": "sigmoid + Xavier, Adam", "ja": "シグモイド + Xavier, Adam"}),
             adam["test_accuracy"], "-"),
            (pick(lang, {"en": "tanh + Xavier, Momentum", "ja": "tanh + Xavier, Momentum"}), tanh, "--")):
        ax_fix.plot(np.arange(len(curve)), curve, style, label=label)
    ax_fix.axhline(0.1, color="k", ls=":", lw=1)
    ax_fix.set(title=pick(lang, {"en": "What gets it learning", "ja": "学習し始める条件"}),
               xlabel=pick(lang, {"en": "epoch", "ja": "エポック"}), ylim=(0, 1.02),
               ylabel=pick(lang, {"en": "test accuracy", "ja": "テスト精度"}))
    ax_fix.legend(**below)
    for ax in (ax_spread, ax_means, ax_fix):
        ax.grid(alpha=0.3)
    caption = pick(lang, {
        "en": "Why sigmoid + Xavier stalls. Left: per hidden layer of the 4-hidden-layer MLP before training, how much "
              "each unit's output differs between the training digits (std over the digits, mean over the units; "
              "log scale). Middle: the sigmoid + Xavier net trained with momentum SGD for longer: the mean output "
              "of each hidden layer on the test digits, and the test accuracy (dotted). Right: its test accuracy "
              f"with momentum SGD and with Adam (lr {ADAM_LR}), and that of tanh + Xavier.",
        "ja": "シグモイド + Xavier が停滞する理由。左: 学習前の4層MLPの隠れ層ごとに、各ユニットの出力が訓練用の数字の間で"
              "どれだけ違うか (数字についての標準偏差のユニット平均、対数軸)。中: Momentum SGD で長く学習させたシグモイド"
              " + Xavier のネットの、テスト用の数字に対する各隠れ層の平均出力とテスト精度 (点線)。右: Momentum SGD と "
              f"Adam (学習率 {ADAM_LR}) でのそのテスト精度、および tanh + Xavier のテスト精度。",
    })
    save_figure(fig, out_dir, "weight_init_sigmoid_plateau.png", result, caption)


_INIT_COLUMNS = ["N(0, 1)", "N(0, 0.01)", "Xavier", "He"]
TABLES = [
    Table({"en": "Test accuracy after training (– = diverged)", "ja": "学習後のテスト精度 (– は発散)"},
          rows="final_test_accuracy", row_header={"en": "activation", "ja": "活性化関数"},
          columns=[Col(f"final_test_accuracy/{{row}}/{init}", {"en": init, "ja": init}) for init in _INIT_COLUMNS]),
    Table({"en": "Std of the last layer's activations", "ja": "最終層のアクティベーションの標準偏差"},
          rows="activation_std_per_layer", row_header={"en": "activation", "ja": "活性化関数"},
          columns=[Col(f"activation_std_per_layer/{{row}}/{init}/4", {"en": init, "ja": init})
                   for init in _INIT_COLUMNS]),
    Table({"en": "Saturated share of the last layer's outputs", "ja": "最終層の出力のうち飽和した割合"},
          rows="saturated_fraction_per_layer", row_header={"en": "activation", "ja": "活性化関数"},
          columns=[Col(f"saturated_fraction_per_layer/{{row}}/{init}/4", {"en": init, "ja": init})
                   for init in _INIT_COLUMNS]),
    Table({"en": "Spread between digits of the top hidden layer at the start",
           "ja": "学習前の最上位の隠れ層の数字ごとの広がり"},
          rows="spread_between_digits_per_layer", row_header={"en": "activation", "ja": "活性化関数"},
          columns=[Col(f"spread_between_digits_per_layer/{{row}}/{init}/{HIDDEN - 1}", {"en": init, "ja": init})
                   for init in _INIT_COLUMNS]),
]
