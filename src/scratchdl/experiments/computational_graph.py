r"""Computational graphs and automatic differentiation: the gradient nobody writes by hand.

A computation is a graph of simple operations. Backpropagation walks it backwards, each node
multiplying the derivative that reaches it by its own local derivative (the chain rule):
for :math:`p = a \cdot n \cdot t`, :math:`\partial p/\partial a = n t`. Automatic differentiation
(``scratchdl.autograd``, as PyTorch) records that graph while the program runs and does the walk
itself; because every local derivative is written with the same recorded operations, the backward
pass is a graph too and can be differentiated again.

Four statements (``STATEMENTS``), each shown by panels (``PANELS``) and tested by checks (``CHECKS``):

1. **The graph** (``autograd_apple.png``): book 1's apples, 2 at 100 yen with 10% tax, cost 220;
   backward gives :math:`\partial p/\partial a = 2.2`, :math:`\partial p/\partial n = 110`,
   :math:`\partial p/\partial t = 200`; with 3 oranges at 150: 715 and 2.2, 110, 3.3, 165, 650.
2. **No backward written** (``autograd_seed_graph.png``): the study report's 2-3-2 network
   (x = (1, 5), target (0, 1)) through autograd gives the hand-written layers' gradients and the
   numbers the seed prints.
3. **Derivatives of derivatives** (``autograd_tanh.png``): tanh and its derivatives of order 1 to 4,
   each from the previous one by ``grad(..., create_graph=True)``, against their closed forms.
4. **The cost** (``autograd_timing.png``): time of one gradient of all the parameters of MLPs
   64-w-w-10 by the explicit layers, by autograd and by numerical differentiation (:math:`2P`
   forward passes), as the number of parameters :math:`P` grows: autograd adds its graph's bookkeeping
   (a fixed cost per operation) to the explicit layers' time, a share that falls on wider nets (where
   numerical differentiation is no longer run).
"""

from __future__ import annotations

import time

import numpy as np

from ..autograd import Tensor, from_nn, grad
from ..autograd import functional as F
from ..autograd.drawing import build, layout
from ..autograd.drawing.layout import columns
from ..gradcheck import numerical_grad
from ..models import MLP
from ..nn import CrossEntropyLoss
from . import figures
from .backprop import SEED_NETWORK, SEED_PRINTED_GRADIENTS, SEED_TARGET, SEED_X, seed_backprop
from .base import ExperimentResult, pick, save_figure, single_threaded, start
from .evidence import Check, Panel, Statement, claim, conclude, listing
from .tables import Col, Table

NAME = "autograd"
TITLE = {"en": "Computational graphs and automatic differentiation", "ja": "計算グラフと自動微分"}
# Book 1's names, as the figure labels its variables.
NAMES = {"apple": {"en": "apple", "ja": "りんご"}, "apples": {"en": "apples", "ja": "りんごの個数"},
         "orange": {"en": "orange", "ja": "みかん"}, "oranges": {"en": "oranges", "ja": "みかんの個数"},
         "tax": {"en": "tax", "ja": "消費税"}, "apple_price": {"en": "apple price", "ja": "りんごの値段"},
         "orange_price": {"en": "orange price", "ja": "みかんの値段"}, "subtotal": {"en": "subtotal", "ja": "小計"},
         "price": {"en": "price", "ja": "支払金額"}}
# Book 1's figures 5-16 and 5-17: the values and the derivatives of the price, d_x = d price / d x.
APPLES_EXPECTED = {"price": 220.0, "apple_price": 200.0, "d_apple": 2.2, "d_apples": 110.0, "d_tax": 200.0,
                   "d_apple_price": 1.1}
APPLES_ORANGES_EXPECTED = {"price": 715.0, "subtotal": 650.0, "d_apple": 2.2, "d_apples": 110.0, "d_orange": 3.3,
                           "d_oranges": 165.0, "d_tax": 650.0, "d_subtotal": 1.1, "d_apple_price": 1.1,
                           "d_orange_price": 1.1}
BOOKKEEPING_BOUND = 2e-3      # seconds autograd may add to one gradient over the explicit layers


def _leaf(value, key, lang):
    return Tensor(np.float64(value), requires_grad=True, name=pick(lang, NAMES[key]))


def _named(t: Tensor, key, lang) -> Tensor:
    t.name = pick(lang, NAMES[key])
    return t.retain_grad()


def apple_graphs(lang: str = "en") -> dict:
    """Book 1's two graphs, forward and backward through autograd: their tensors and numbers."""
    apple, apples, tax = _leaf(100, "apple", lang), _leaf(2, "apples", lang), _leaf(1.1, "tax", lang)
    apple_price = _named(apple * apples, "apple_price", lang)
    price = _named(apple_price * tax, "price", lang)
    price.backward()
    first = {"tensors": (price, apple, apples, tax, apple_price),
             "numbers": {"price": float(price), "apple_price": float(apple_price), "d_apple": float(apple.grad),
                         "d_apples": float(apples.grad), "d_tax": float(tax.grad),
                         "d_apple_price": float(apple_price.grad)}}
    a, n, o, m, t = (_leaf(v, k, lang) for v, k in ((100, "apple"), (2, "apples"), (150, "orange"),
                                                     (3, "oranges"), (1.1, "tax")))
    ap, op = _named(a * n, "apple_price", lang), _named(o * m, "orange_price", lang)
    subtotal = _named(ap + op, "subtotal", lang)
    total = _named(subtotal * t, "price", lang)
    total.backward()
    second = {"tensors": (total, a, n, o, m, t, ap, op, subtotal),
              "numbers": {"price": float(total), "subtotal": float(subtotal), "d_apple": float(a.grad),
                          "d_apples": float(n.grad), "d_orange": float(o.grad), "d_oranges": float(m.grad),
                          "d_tax": float(t.grad), "d_subtotal": float(subtotal.grad),
                          "d_apple_price": float(ap.grad), "d_orange_price": float(op.grad)}}
    return {"apples": first, "apples_and_oranges": second}


def seed_network() -> dict:
    """The 2-3-2 exercise through autograd, against the explicit layers and the seed's printed numbers."""
    explicit = {k: p.grad for k, p in seed_backprop()[0].items()}
    x, t = np.array(SEED_X), np.array(SEED_TARGET)
    p = {k: Tensor(np.array(v), requires_grad=True, name=k) for k, v in SEED_NETWORK.items()}
    xt = Tensor(x, name="x")
    u1 = (xt @ p["W1"] + p["b1"]).retain_grad()
    z1 = F.relu(u1).retain_grad()
    u2 = (z1 @ p["W2"] + p["b2"]).retain_grad()
    for tensor, name in ((u1, "u1"), (z1, "z1"), (u2, "u2")):
        tensor.name = name
    target = Tensor(t, name="d")
    loss = F.cross_entropy(u2, target)
    loss.name = "E"
    loss.retain_grad()
    loss.backward()
    auto = {k: p[k].grad.numpy() for k in p}
    return {
        "tensors": (loss, xt, target, u1, z1, u2, *p.values()),
        "numbers": {
            "loss": float(loss),
            "dE_dW1": auto["W1"].tolist(),
            "dE_du1": u1.grad.numpy().tolist(),
            "dE_du2": u2.grad.numpy().tolist(),
            "max_abs_diff_autograd_vs_explicit": max(float(np.abs(auto[k] - explicit[k]).max()) for k in auto),
            "max_abs_diff_to_seed_printed": max(float(np.abs(auto[k] - np.array(v)).max())
                                                for k, v in SEED_PRINTED_GRADIENTS.items()),
        },
    }


def tanh_closed_forms(x) -> list:
    """tanh and its derivatives of order 1-4 from t = tanh x: 1 - t^2, -2t(1 - t^2),
    (6t^2 - 2)(1 - t^2), 8t(2 - 3t^2)(1 - t^2)."""
    t = np.tanh(x)
    s = 1 - t * t
    return [t, s, -2 * t * s, (6 * t * t - 2) * s, 8 * t * (2 - 3 * t * t) * s]


def tanh_derivatives(x, orders: int = 4) -> list:
    """tanh(x) and its derivatives up to ``orders``, each by autograd from the one before."""
    xt = Tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    y = F.tanh(xt)
    found = [y.numpy().copy()]
    for _ in range(orders):
        (y,) = grad(y.sum(), [xt], create_graph=True)
        found.append(y.numpy().copy())
    return found


def time_gradients(width: int, x, t, seed: int, repeats: int, numerical: bool = True) -> dict:
    """CPU seconds for one gradient of every parameter of MLP 64-width-width-10: explicit layers and
    autograd (median of ``repeats``, the two alternating) and, when ``numerical``, numerical
    differentiation (one gradient; None otherwise).

    CPU time (``time.process_time``, the caller on one BLAS thread: run it inside
    ``single_threaded``), so that waiting for the core does not count. Other jobs still slow every
    step now and then (about 2x for a stretch, on a shared 2-core machine: caches and memory are
    shared), so the three are measured over the same stretch of time, the numerical gradient one
    parameter array at a time between the alternating steps, and their ratios compare like with
    like."""
    model = MLP([64, width, width, 10], "relu", "he_normal", rng=np.random.default_rng(seed), dtype=np.float64)
    loss_fn = CrossEntropyLoss()
    params = from_nn.parameters(model)

    def explicit():
        loss_fn(model(x), t)
        model.zero_grad()
        model.backward(loss_fn.backward())

    def autograd():
        for p in params.values():
            p.zero_grad()
        F.cross_entropy(from_nn.forward(model, x, params), t).backward()

    arrays = [p.data for _, p in model.named_parameters()] if numerical else []
    due = [(k + 1) * repeats // (len(arrays) + 1) for k in range(len(arrays))]  # after which step each runs
    samples = {"explicit": [], "autograd": [], "numerical": []}
    for i in range(repeats):
        for name, step in (("explicit", explicit), ("autograd", autograd)):
            started = time.process_time()
            step()
            samples[name].append(time.process_time() - started)
        for array in (a for a, after in zip(arrays, due, strict=True) if after == i):
            started = time.process_time()
            numerical_grad(lambda: loss_fn(model(x), t), array)
            samples["numerical"].append(time.process_time() - started)
    times = {name: float(np.median(samples[name])) for name in ("explicit", "autograd")}
    same = max(float(np.abs(params[k].grad.numpy() - p.grad).max()) for k, p in model.named_parameters())
    seconds = float(sum(samples["numerical"])) if numerical else None
    return {"width": width, "parameters": model.num_parameters(), "explicit_seconds": times["explicit"],
            "autograd_seconds": times["autograd"], "numerical_seconds": seconds,
            "autograd_over_explicit": times["autograd"] / times["explicit"],
            "numerical_over_autograd": None if seconds is None else seconds / times["autograd"],
            "max_abs_diff_autograd_vs_explicit": same}


def run(out_dir, quick: bool = False, lang: str = "en", seed: int = 0) -> ExperimentResult:
    result, out_dir, started = start(NAME, TITLE, CLAIM, out_dir, lang)
    # numerical differentiation up to the widths of ``numeric``; the wide nets show the bookkeeping's share fall
    batch, numeric, wide, repeats = ((8, [8, 16], [256], 10) if quick
                                     else (32, [8, 16, 32, 64, 128], [512, 1024], 30))
    graphs = apple_graphs(lang)
    seed_net = seed_network()
    grid = np.linspace(-4, 4, 161 if quick else 401)
    by_autograd, closed = tanh_derivatives(grid), tanh_closed_forms(grid)
    tanh_errors = [float(np.abs(a - c).max()) for a, c in zip(by_autograd, closed, strict=True)]
    rng = np.random.default_rng(seed)       # the time does not depend on the values: a digits-sized batch
    x, t = rng.random((batch, 64)), rng.integers(0, 10, size=batch)
    with single_threaded():
        timing = [time_gradients(w, x, t, seed, repeats, numerical=w in numeric) for w in numeric + wide]

    result.numbers = {
        "apple_graph": graphs["apples"]["numbers"],
        "apple_and_orange_graph": graphs["apples_and_oranges"]["numbers"],
        "seed_network": seed_net["numbers"],
        "tanh": {"orders": 4, "points": len(grid), "range": [float(grid[0]), float(grid[-1])],
                 "max_abs_error_vs_closed_form": tanh_errors[1:],
                 "largest_abs_per_order": [float(np.abs(v).max()) for v in by_autograd[1:]]},
        "timing": timing,
        "batch": batch, "dtype": "float64", "blas_threads": 1,
    }
    _plot_apples(out_dir, result, lang, graphs)
    _plot_seed(out_dir, result, lang, seed_net)
    _plot_tanh(out_dir, result, lang, grid, by_autograd)
    _plot_timing(out_dir, result, lang, timing)
    conclude(result, PANELS, CHECKS, quick)
    result.seconds = time.perf_counter() - started
    return result


# ---- what the numbers say ------------------------------------------------------------------------
def _is_book(numbers: dict, expected: dict) -> bool:
    """The graph's price and derivatives are book 1's ``expected`` ones, to rounding."""
    return all(abs(numbers[k] - v) < 1e-9 for k, v in expected.items())


def _apples_finding(n: dict, lang: str) -> str:
    a = n["apple_graph"]
    return pick(lang, {
        "en": f"forward, the graph gives {a['apple_price']:.0f} yen for the apples and {a['price']:.0f} yen with tax; "
              f"backward, each × node hands on the incoming derivative times its other input: "
              f"{a['d_apple_price']:.3g} (apple price), then {a['d_apple']:.3g} (apple), {a['d_apples']:.3g} (count) "
              f"and {a['d_tax']:.3g} (tax).",
        "ja": f"順伝播でグラフはりんごの値段 {a['apple_price']:.0f} 円、税込み {a['price']:.0f} 円を与え、逆伝播では各 × "
              f"ノードが上流の微分にもう一方の入力を掛けて渡す: りんごの値段 {a['d_apple_price']:.3g}、そこから"
              f"りんご {a['d_apple']:.3g}、個数 {a['d_apples']:.3g}、消費税 {a['d_tax']:.3g}。",
    })


def _oranges_finding(n: dict, lang: str) -> str:
    m = n["apple_and_orange_graph"]
    return pick(lang, {
        "en": f"subtotal {m['subtotal']:.0f} yen, {m['price']:.0f} yen with tax; the + node passes the derivative it "
              f"receives, {m['d_subtotal']:.3g}, unchanged to both prices ({m['d_apple_price']:.3g} and "
              f"{m['d_orange_price']:.3g}), and the × nodes give {m['d_apple']:.3g} (apple), {m['d_apples']:.3g} "
              f"(apples), {m['d_orange']:.3g} (orange), {m['d_oranges']:.3g} (oranges) and {m['d_tax']:.3g} (tax).",
        "ja": f"小計 {m['subtotal']:.0f} 円、税込み {m['price']:.0f} 円。+ ノードは受け取った微分 {m['d_subtotal']:.3g} を"
              f"そのまま両方の値段に流し ({m['d_apple_price']:.3g} と {m['d_orange_price']:.3g})、× ノードがりんご "
              f"{m['d_apple']:.3g}、りんごの個数 {m['d_apples']:.3g}、みかん {m['d_orange']:.3g}、みかんの個数 "
              f"{m['d_oranges']:.3g}、消費税 {m['d_tax']:.3g} を与える。",
    })


def _vector(values) -> str:
    return "(" + ", ".join(f"{v:.4f}" for v in np.ravel(values)) + ")"


def _seed_finding(n: dict, lang: str) -> str:
    s = n["seed_network"]
    return pick(lang, {
        "en": f"E = {s['loss']:.4f}; backward leaves ∂E/∂u2 = {_vector(s['dE_du2'])} and ∂E/∂u1 = "
              f"{_vector(s['dE_du1'])}; all the parameters' gradients differ from the hand-written backward's by at "
              f"most {s['max_abs_diff_autograd_vs_explicit']:.1e} (float64) and from the seed's printed ones by "
              f"{s['max_abs_diff_to_seed_printed']:.1e} (dE/dW1[0, 0] = {s['dE_dW1'][0][0]:.8f}).",
        "ja": f"E = {s['loss']:.4f}。逆伝播は ∂E/∂u2 = {_vector(s['dE_du2'])}、∂E/∂u1 = {_vector(s['dE_du1'])} を"
              f"残す。全パラメータの勾配と手書きの backward の差は最大 {s['max_abs_diff_autograd_vs_explicit']:.1e} "
              f"(float64)、レポートに印字された値との差は {s['max_abs_diff_to_seed_printed']:.1e} "
              f"(dE/dW1[0, 0] = {s['dE_dW1'][0][0]:.8f})。",
    })


def _tanh_finding(n: dict, lang: str) -> str:
    t = n["tanh"]
    lo, hi = t["range"]
    peaks = listing(lang, [f"{v:.3g}" for v in t["largest_abs_per_order"]])
    return pick(lang, {
        "en": f"each of the {t['orders']} derivatives came from the previous one by autograd; on {t['points']} points "
              f"in [{lo:g}, {hi:g}] they differ from the closed forms by at most "
              f"{max(t['max_abs_error_vs_closed_form']):.1e}; their largest magnitudes (orders 1 to {t['orders']}): "
              f"{peaks}.",
        "ja": f"{t['orders']} 個の導関数はそれぞれ一つ前のものを自動微分して得た。[{lo:g}, {hi:g}] の {t['points']} 点で"
              f"解析解との差は最大 {max(t['max_abs_error_vs_closed_form']):.1e}。各導関数の絶対値の最大 (1〜"
              f"{t['orders']} 階): {peaks}。",
    })


def _timing_finding(n: dict, lang: str) -> str:
    t = n["timing"]
    first, last = t[0], t[-1]
    numeric = [r for r in t if r["numerical_seconds"] is not None]
    added = [1e3 * (r["autograd_seconds"] - r["explicit_seconds"]) for r in t]
    return pick(lang, {
        "en": f"from {first['parameters']:,} to {last['parameters']:,} parameters one gradient takes "
              f"{1e3 * first['explicit_seconds']:.2f} to {1e3 * last['explicit_seconds']:.2f} ms by the explicit layers "
              f"and {1e3 * first['autograd_seconds']:.2f} to {1e3 * last['autograd_seconds']:.2f} ms by autograd, which "
              f"adds {min(added):.2f} to {max(added):.2f} ms: its ratio (×) falls from {first['autograd_over_explicit']:.2f}"
              f" to {last['autograd_over_explicit']:.2f}. Numerical differentiation (up to {numeric[-1]['parameters']:,} "
              f"parameters) takes {numeric[0]['numerical_seconds']:.3g} to {numeric[-1]['numerical_seconds']:.3g} s, "
              f"{numeric[0]['numerical_over_autograd']:,.0f} to {numeric[-1]['numerical_over_autograd']:,.0f} times "
              f"autograd's time.",
        "ja": f"パラメータ {first['parameters']:,} から {last['parameters']:,} で、勾配 1 回に明示的な層は "
              f"{1e3 * first['explicit_seconds']:.2f}〜{1e3 * last['explicit_seconds']:.2f} ミリ秒、自動微分は "
              f"{1e3 * first['autograd_seconds']:.2f}〜{1e3 * last['autograd_seconds']:.2f} ミリ秒かかり、自動微分が加える"
              f"時間は {min(added):.2f}〜{max(added):.2f} ミリ秒。比 (×) は {first['autograd_over_explicit']:.2f} から "
              f"{last['autograd_over_explicit']:.2f} に下がる。数値微分 (パラメータ {numeric[-1]['parameters']:,} 個まで) は"
              f" {numeric[0]['numerical_seconds']:.3g}〜{numeric[-1]['numerical_seconds']:.3g} 秒で、自動微分の "
              f"{numeric[0]['numerical_over_autograd']:,.0f}〜{numeric[-1]['numerical_over_autograd']:,.0f} 倍。",
    })


STATEMENTS = [
    Statement("graph", {
        "en": "A computation is a graph of simple operations, and backpropagation passes each node's local "
              "derivative back along it: for 2 apples at 100 yen with 10% tax the price 220 has the derivatives "
              "2.2 (apple), 110 (count) and 200 (tax).",
        "ja": "計算は単純な演算のグラフであり、誤差逆伝播法は各ノードの局所的な微分をグラフに沿って逆向きに伝える。"
              "100 円のりんご 2 個に消費税 10% で価格は 220 円、その微分はりんごの値段について 2.2、個数について 110、"
              "消費税について 200 である。"}),
    Statement("recorded", {
        "en": "Automatic differentiation records that graph while the program runs and applies the chain rule "
              "to it, so nobody writes backward: on the study report's 2-3-2 network it gives the gradients of "
              "the hand-written layers.",
        "ja": "自動微分はプログラムの実行中にそのグラフを記録して連鎖律を適用するので、誰も backward を書かなくてよい。"
              "レポートの 2-3-2 ネットワークでは、手で書いた層の backward と同じ勾配が得られる。"}),
    Statement("higher", {
        "en": "The backward pass is itself made of differentiable operations, so it can be differentiated "
              "again: tanh's derivatives of order 1 to 4 follow one from another.",
        "ja": "逆伝播そのものが微分可能な演算でできているので、さらに微分できる。tanh の 1 階から 4 階の導関数が"
              "次々に得られる。"}),
    Statement("cost", {
        "en": "It adds a fixed bookkeeping cost per operation to the same matrix products as the hand-written "
              "layers, a share that shrinks as the network grows, while numerical differentiation costs orders of "
              "magnitude more, and more as the number of parameters grows.",
        "ja": "自動微分の計算コストは、手で書いた層と同じ行列積に、演算ごとの一定の記録の手間が加わるだけで、その割合は"
              "ネットワークが大きくなるほど小さい。一方、数値微分は桁違いに遅く、パラメータ数とともにさらに遅くなる。"}),
]
CLAIM = claim(STATEMENTS)

PANELS = [
    Panel("apples", "autograd_apple.png", {"en": "Apples (figure 1, top)", "ja": "りんご (図1 上)"},
          _apples_finding),
    Panel("oranges", "autograd_apple.png", {"en": "Apples and oranges (figure 1, bottom)",
                                            "ja": "りんごとみかん (図1 下)"}, _oranges_finding),
    Panel("seed", "autograd_seed_graph.png", {"en": "The 2-3-2 network's graph (figure 2)",
                                              "ja": "2-3-2 ネットワークのグラフ (図2)"}, _seed_finding),
    Panel("tanh", "autograd_tanh.png", {"en": "tanh and its derivatives (figure 3)",
                                        "ja": "tanh とその導関数 (図3)"}, _tanh_finding),
    Panel("timing", "autograd_timing.png", {"en": "Time of one gradient (figure 4)", "ja": "勾配 1 回分の時間 (図4)"},
          _timing_finding),
]


def _numerical_rows(n: dict) -> list[dict]:
    """The timed nets that numerical differentiation ran on (the narrower ones)."""
    return [r for r in n["timing"] if r["numerical_seconds"] is not None]


def _share_falls(n: dict) -> bool:
    """Autograd's ratio to the explicit layers on each wide net is below its ratio on every narrower net."""
    wide = [r["autograd_over_explicit"] for r in n["timing"] if r["numerical_seconds"] is None]
    return bool(wide) and max(wide) < min(r["autograd_over_explicit"] for r in _numerical_rows(n))


CHECKS = [
    Check("apples", {"en": "apples: 220 yen and the derivatives 2.2, 110, 200 (and 1.1 at the apple price), as in "
                           "book 1",
                     "ja": "りんご: 220 円、微分 2.2, 110, 200 (りんごの値段で 1.1)、書籍 1 と同じ"}, "graph", ("apples",),
          lambda n: _is_book(n["apple_graph"], APPLES_EXPECTED)),
    Check("oranges", {"en": "apples and oranges: 715 yen and the derivatives 2.2, 110, 3.3, 165, 650 (and 1.1 on "
                            "each side of the + node), as in book 1",
                      "ja": "りんごとみかん: 715 円、微分 2.2, 110, 3.3, 165, 650 (+ ノードの前後で 1.1)、書籍 1 と同じ"}, "graph", ("oranges",),
          lambda n: _is_book(n["apple_and_orange_graph"], APPLES_ORANGES_EXPECTED)),
    Check("explicit", {"en": "2-3-2 network: autograd's gradients equal the hand-written backward's (< 1e-12)",
                       "ja": "2-3-2 ネットワーク: 自動微分の勾配が手書きの backward の勾配に一致 (< 1e-12)"},
          "recorded", ("seed",), lambda n: n["seed_network"]["max_abs_diff_autograd_vs_explicit"] < 1e-12),
    Check("printed", {"en": "2-3-2 network: autograd's gradients equal the ones the seed prints (< 1e-8)",
                      "ja": "2-3-2 ネットワーク: 自動微分の勾配がレポートに印字された値に一致 (< 1e-8)"},
          "recorded", ("seed",), lambda n: n["seed_network"]["max_abs_diff_to_seed_printed"] < 1e-8),
    Check("same_gradients", {"en": "every timed MLP: autograd's gradients equal the explicit layers' (< 1e-12)",
                             "ja": "計時したどの MLP でも自動微分の勾配が明示的な層の勾配に一致 (< 1e-12)"},
          "recorded", (), lambda n: all(r["max_abs_diff_autograd_vs_explicit"] < 1e-12 for r in n["timing"])),
    Check("tanh", {"en": "tanh: autograd's derivatives of order 1 to 4 equal the closed forms (< 1e-12)",
                   "ja": "tanh: 自動微分による 1〜4 階の導関数が解析解に一致 (< 1e-12)"}, "higher", ("tanh",),
          lambda n: len(n["tanh"]["max_abs_error_vs_closed_form"]) == 4
          and max(n["tanh"]["max_abs_error_vs_closed_form"]) < 1e-12),
    Check("bookkeeping", {"en": f"at every size autograd adds less than {BOOKKEEPING_BOUND * 1e3:g} ms to the explicit "
                                f"layers' time",
                          "ja": f"どの規模でも自動微分が明示的な層に加える時間は {BOOKKEEPING_BOUND * 1e3:g} ミリ秒未満"},
          "cost", ("timing",),
          lambda n: all(r["autograd_seconds"] - r["explicit_seconds"] < BOOKKEEPING_BOUND for r in n["timing"])),
    Check("share", {"en": "autograd's time over the explicit layers' is lower on every net too wide for numerical "
                          "differentiation than on any narrower net",
                    "ja": "明示的な層に対する自動微分の時間の比は、数値微分を行わない広いネットのどれでも、それより狭いどの"
                          "ネットよりも小さい"},
          "cost", ("timing",), _share_falls),
    Check("numerical", {"en": "numerical differentiation takes over 100 times autograd's time at every size it ran",
                        "ja": "数値微分は実行したどの規模でも自動微分の 100 倍を超える時間がかかる"},
          "cost", ("timing",), lambda n: min(r["numerical_over_autograd"] for r in _numerical_rows(n)) > 100),
    Check("numerical_grows", {"en": "numerical differentiation takes longer at every larger size",
                              "ja": "数値微分の時間は規模が大きくなるたびに増える"}, "cost", ("timing",),
          lambda n: all(a["numerical_seconds"] < b["numerical_seconds"]
                        for a, b in zip(_numerical_rows(n), _numerical_rows(n)[1:], strict=False))),
]

# ---- figures -------------------------------------------------------------------------------------
SYMBOLS = {"Mul": "×", "Add": "+", "MatMul": "@", "ReLU": "ReLU", "CrossEntropy": "cross\nentropy"}


def _positions(graph, vertical: bool):
    """Node centres on a grid: level by generation (the layout's columns), order as the layout sorts it."""
    lay = layout(graph)
    level = columns(graph)
    order = {}
    for node in graph.nodes:
        order.setdefault(level[node.id], []).append(node.id)
    spots = {}
    for lvl, ids in order.items():
        ids.sort(key=lambda i: lay.boxes[i].y)
        for k, node_id in enumerate(ids):
            across = k - (len(ids) - 1) / 2
            spots[node_id] = (across, -lvl) if vertical else (lvl, -across)
    return spots


def _draw_graph(ax, graph, lang, vertical=False, grad_text=None, across=1.0, along=1.0):
    """A computational graph in matplotlib: variables as boxes (name, value), functions as circles,
    forward arrows in black and the gradient each variable receives in red."""
    spots = _positions(graph, vertical)
    spots = {k: (x * (across if vertical else along), y * (along if vertical else across))
             for k, (x, y) in spots.items()}
    artists = {}
    size = figures.font_pt(lang)
    for node in graph.nodes:
        x, y = spots[node.id]
        if node.kind == "function":
            label = SYMBOLS.get(node.title, node.title)
            artists[node.id] = ax.text(x, y, label, ha="center", va="center", fontsize=size + 2,
                                       bbox={"boxstyle": "circle,pad=0.3", "fc": "#d6e4f5", "ec": "#3b6ea5"})
            continue
        lines = [node.title or ""]
        if node.value is not None:
            lines.append(node.value)
        elif node.shape:
            lines.append(str(tuple(node.shape)))
        fill = {"parameter": "#d5ecd4", "constant": "#eeeeee", "input": "#eeeeee"}.get(node.role, "#fde3c2")
        artists[node.id] = ax.text(x, y, "\n".join(line for line in lines if line), ha="center", va="center",
                                   fontsize=size, bbox={"boxstyle": "round,pad=0.35", "fc": fill, "ec": "#8a6d3b"})
        shown = grad_text(node) if grad_text else node.grad
        if shown:
            if vertical:                              # beside the box, on the outer side
                side = -1 if x < 0 else 1
                ax.text(x + side * 0.3 * across, y, shown, ha="right" if side < 0 else "left", va="center",
                        fontsize=size, color="#c62828")
            else:                                     # under it
                ax.text(x, y - 0.3 * across, shown, ha="center", va="top", fontsize=size, color="#c62828")
    for a, b in graph.edges:
        ax.annotate("", xy=spots[b], xytext=spots[a],
                    arrowprops={"arrowstyle": "-|>", "color": "#444", "lw": 1.2, "shrinkA": 0, "shrinkB": 0,
                                "patchA": artists[a].get_bbox_patch(), "patchB": artists[b].get_bbox_patch()})
    xs, ys = zip(*spots.values(), strict=True)
    pad_x, pad_y = (across, along) if vertical else (along, across)
    wide = 1.7 if vertical else 0.6                   # room for the gradients beside the boxes
    ax.set_xlim(min(xs) - wide * pad_x, max(xs) + wide * pad_x)
    ax.set_ylim(min(ys) - 0.75 * pad_y, max(ys) + 0.55 * pad_y)
    ax.axis("off")


def _plot_apples(out_dir, result, lang, graphs) -> None:
    fig, axes = figures.subplots(lang, 2, 1, height=8.2, gridspec_kw={"height_ratios": [1, 1.9]})
    for ax, key, title in zip(axes, ("apples", "apples_and_oranges"), (
            {"en": "2 apples at 100 yen, 10% tax", "ja": "100 円のりんごを 2 個、消費税 10%"},
            {"en": "and 3 oranges at 150 yen", "ja": "150 円のみかん 3 個を加える"}), strict=True):
        graph = build(graphs[key]["tensors"][0])
        _draw_graph(ax, graph, lang, grad_text=lambda n: f"∂ = {n.grad}" if n.grad else None, along=1.25,
                    across=1.5)
        ax.set_title(pick(lang, title))
    caption = pick(lang, {
        "en": "Book 1's computational graphs, built by autograd as the prices were computed. Black: forward "
              "values; red (∂): the derivative of the price with respect to each value, from backward (each × node "
              "passes the incoming derivative times its other input, each + node passes it unchanged).",
        "ja": "書籍 1 の計算グラフ。価格を計算したときに自動微分が記録したもの。黒: 順伝播の値、赤 (∂): 逆伝播で得た"
              "各値についての支払金額の微分 (× ノードは上流の微分にもう一方の入力を掛け、+ ノードはそのまま流す)。",
    })
    save_figure(fig, out_dir, "autograd_apple.png", result, caption)


def _plot_seed(out_dir, result, lang, seed_net) -> None:
    graph = build(seed_net["tensors"][0], values=False)

    def grad_text(node):
        if node.grad is None or node.role == "output":
            return None
        return f"∂E = {node.grad}"

    for node in graph.nodes:                          # the gradients of the 2x3 and 3x2 weights: in the table
        if node.role == "parameter" and node.shape and len(node.shape) == 2:
            node.grad = None
    fig, ax = figures.subplots(lang, height=8.6)
    _draw_graph(ax, graph, lang, vertical=True, grad_text=grad_text, across=1.9, along=1.0)
    ax.set_title(pick(lang, {"en": "The study report's 2-3-2 network as autograd records it",
                             "ja": "レポートの 2-3-2 ネットワーク (自動微分が記録したグラフ)"}))
    caption = pick(lang, {
        "en": "The 2-3-2 network u1 = x W1 + b1, z1 = ReLU(u1), u2 = z1 W2 + b2, E = cross-entropy(u2, d), "
              "top to bottom, with each tensor's shape; in red the gradient of E that backward left in it "
              "(the weights' gradients, 2x3 and 3x2, are in the numbers below). No backward was written for it.",
        "ja": "2-3-2 ネットワーク u1 = x W1 + b1, z1 = ReLU(u1), u2 = z1 W2 + b2, E = 交差エントロピー(u2, d) を上から"
              "下へ、各テンソルの形とともに示す。赤は逆伝播が残した E の勾配 (重みの勾配 2x3 と 3x2 は下の数値に)。"
              "このネットワークのために backward は一行も書いていない。",
    })
    save_figure(fig, out_dir, "autograd_seed_graph.png", result, caption)


def _plot_tanh(out_dir, result, lang, grid, found) -> None:
    fig, ax = figures.subplots(lang, height=4.6)
    labels = ["y = tanh(x)", "y'", "y''", "y'''", "y''''"]
    for order, (values, label) in enumerate(zip(found, labels, strict=True)):
        ax.plot(grid, values, lw=2 if order == 0 else 1.5, label=label)
    ax.set(xlabel="x", ylabel="y", title=pick(lang, {"en": "tanh and its derivatives, each by autograd",
                                                     "ja": "tanh とその導関数 (すべて自動微分)"}))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", ncol=3)
    caption = pick(lang, {
        "en": "tanh and its derivatives of order 1 to 4, each obtained from the previous one by "
              "grad(..., create_graph=True): the backward pass was recorded as a graph and differentiated again "
              "(DeZero's figure). They equal the closed forms, e.g. tanh' = 1 - tanh².",
        "ja": "tanh とその 1〜4 階導関数。それぞれ一つ前の導関数を grad(..., create_graph=True) で微分して得た。"
              "逆伝播をグラフとして記録し、それをさらに微分している (DeZero の図)。解析解 (例: tanh' = 1 - tanh²) と"
              "一致する。",
    })
    save_figure(fig, out_dir, "autograd_tanh.png", result, caption)


def _plot_timing(out_dir, result, lang, timing) -> None:
    fig, ax = figures.subplots(lang, height=4.8)
    for key, marker, color, label in (
            ("numerical_seconds", "s-", "C3", {"en": "numerical differentiation", "ja": "数値微分"}),
            ("autograd_seconds", "o-", "C2", {"en": "autograd", "ja": "自動微分"}),
            ("explicit_seconds", "^--", "C0", {"en": "explicit layers (nn)", "ja": "明示的な層 (nn)"})):
        rows = [r for r in timing if r[key] is not None]
        ax.loglog([r["parameters"] for r in rows], [r[key] for r in rows], marker, color=color,
                  label=pick(lang, label))
    for r in timing:
        ax.annotate(f"×{r['autograd_over_explicit']:.1f}", (r["parameters"], r["autograd_seconds"]),
                    textcoords="offset points", xytext=(-12, 10), color="C2")
    ax.set_ylim(top=max(r["numerical_seconds"] or 0 for r in timing) * 4)
    ax.set(title=pick(lang, {"en": "Time for one gradient of all parameters (×: autograd / explicit)",
                             "ja": "全パラメータの勾配 1 回分の時間 (×: 自動微分 / 明示的な層)"}),
           xlabel=pick(lang, {"en": "number of parameters", "ja": "パラメータ数"}),
           ylabel=pick(lang, {"en": "CPU seconds (log)", "ja": "CPU 時間 [秒] (対数)"}))
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    caption = pick(lang, {
        "en": "CPU time of one gradient of every parameter of MLP 64-w-w-10 on a batch of 64-pixel images (float64, one BLAS thread): "
              "the explicit layers' backward, autograd's, and central differences (two forward passes per "
              "parameter; not run for the widest nets). Autograd adds the bookkeeping of its graph, a fixed cost "
              "per operation, to the same matrix products, so its ratio to the explicit layers (×) falls as the "
              "net grows; numerical differentiation grows with the parameter count.",
        "ja": "64 画素の画像のバッチでの MLP 64-w-w-10 の全パラメータの勾配 1 回分の CPU 時間 (float64, BLAS 1 スレッド): 明示的な層の "
              "backward、自動微分、中心差分 (パラメータ 1 つにつき順伝播 2 回。最も広いネットでは実行しない)。自動微分"
              "は同じ行列積にグラフの記録の手間 (演算ごとの一定のコスト) が加わるだけなので、明示的な層との比 (×) は"
              "ネットが大きくなるほど下がる。数値微分はパラメータ数とともに増える。",
    })
    save_figure(fig, out_dir, "autograd_timing.png", result, caption)


TABLES = [
    Table({"en": "Book 1's graphs: the price and its derivatives", "ja": "書籍 1 のグラフ: 支払金額とその微分"},
          columns=[Col("apple_graph/price", {"en": "apples: price", "ja": "りんご: 支払金額"}),
                   Col("apple_graph/d_apple", {"en": "apples: d apple", "ja": "りんご: d りんご"}),
                   Col("apple_graph/d_apples", {"en": "apples: d count", "ja": "りんご: d 個数"}),
                   Col("apple_graph/d_tax", {"en": "apples: d tax", "ja": "りんご: d 消費税"}),
                   Col("apple_and_orange_graph/price", {"en": "with oranges: price", "ja": "みかんも: 支払金額"}),
                   Col("apple_and_orange_graph/d_orange", {"en": "with oranges: d orange", "ja": "みかんも: d みかん"}),
                   Col("apple_and_orange_graph/d_oranges", {"en": "with oranges: d oranges", "ja": "みかんも: d みかんの個数"}),
                   Col("apple_and_orange_graph/d_tax", {"en": "with oranges: d tax", "ja": "みかんも: d 消費税"})]),
    Table({"en": "Time of one gradient: explicit layers, autograd, numerical differentiation",
           "ja": "勾配 1 回分の時間: 明示的な層、自動微分、数値微分"}, rows="timing",
          row_header={"en": "width w", "ja": "幅 w"}, row_label="timing/{row}/width",
          columns=[Col("timing/{row}/parameters", {"en": "parameters", "ja": "パラメータ数"}),
                   Col("timing/{row}/explicit_seconds", {"en": "explicit", "ja": "明示的な層"}, "ms", 1000.0),
                   Col("timing/{row}/autograd_seconds", {"en": "autograd", "ja": "自動微分"}, "ms", 1000.0),
                   Col("timing/{row}/numerical_seconds", {"en": "numerical", "ja": "数値微分"}, "ms", 1000.0),
                   Col("timing/{row}/autograd_over_explicit", {"en": "autograd / explicit", "ja": "自動微分 / 明示的"}),
                   Col("timing/{row}/numerical_over_autograd", {"en": "numerical / autograd", "ja": "数値微分 / 自動微分"})]),
]
