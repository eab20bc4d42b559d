// The page's words in English and Japanese. Elements carry data-i18n="key" (their text) or
// data-i18n-title="key" (their tooltip); option labels of the selects come from OPTION_LABELS.
"use strict";

const STRINGS = {
  en: {
    title: "scratchdl playground",
    tagline: "Every number on this page is computed by scratchdl's own layers and optimizers, on your machine.",
    play: "▶ play", pause: "❚❚ pause", step: "step one epoch", reset: "reset", regenerate: "new data",
    epoch: "epoch", "train-loss": "train loss", "test-loss": "test loss",
    "train-accuracy": "train accuracy", "test-accuracy": "test accuracy",
    data: "Data", dataset: "dataset", noise: "noise", "test-fraction": "test share", seed: "seed",
    network: "Network", "hidden-layers": "hidden layers", "add-layer": "+ layer", "remove-layer": "− layer",
    width: "units", activation: "activation", init: "initial weights", training: "Training",
    optimizer: "optimizer", lr: "learning rate", "batch-size": "batch size", batchnorm: "batch norm",
    dropout: "dropout", "weight-decay": "L2 weight decay",
    units: "Each hidden unit's output over the plane (orange < 0 < blue); hover to enlarge.",
    input: "input", output: "output", layer: "layer",
    boundary: "Decision boundary: colour = predicted class, paler = less sure. ○ train, ● test points.",
    curves: "Loss and accuracy",
    gradients: "Gradient norm ‖∂L/∂W‖ per layer (log scale) — the vanishing-gradient view",
    "gradients-help": "Each Linear layer's mean ‖∂L/∂W‖ over the last epoch. Lines that sit decades below "
      + "the output layer's mean that layer hardly learns. Saturated: share of outputs where the "
      + "activation's derivative is below a tenth of its peak; dead: units saturated for every training sample.",
    "col-layer": "layer", "col-grad": "‖∂L/∂W‖", "col-hist": "activations", "col-saturated": "saturated",
    "col-dead": "dead", "col-code": "code",
    "as-command": "As a command", "as-python": "As Python", show: "show", copy: "copy", copied: "copied",
    "command-help": "Trains this network the same way (same data, initial weights and batches) for the epochs run so far.",
    "npz-help": "This noise or split is not train's default: save the points as",
    "npz-help-2": "in the folder where you run the command.",
    "python-help": "A plain loop over scratchdl.nn and scratchdl.optim; prints the test accuracy.",
    "live-note": "The learning rate or batch size changed at epoch {epoch} while training: the line and the "
      + "script use today's values from the start, so their numbers differ from this run's. Reset to replay it.",
    code: "code", close: "close", formula: "formula", "defined-in": "defined in",
    "no-token": "This page needs its token: open the URL that `scratchdl playground` printed.",
    disconnected: "Disconnected from the server (is `scratchdl playground` still running?).",
    diverged: "The loss became NaN or infinite: training stopped. Lower the learning rate, then reset.",
    "train-curve": "train", "test-curve": "test", loss: "loss", accuracy: "accuracy",
    lang: "language",
  },
  ja: {
    title: "scratchdl プレイグラウンド",
    tagline: "このページの数値はすべて、あなたのマシン上で scratchdl 自身の層と最適化手法が計算しています。",
    play: "▶ 再生", pause: "❚❚ 一時停止", step: "1 エポック進める", reset: "リセット", regenerate: "データを作り直す",
    epoch: "エポック", "train-loss": "訓練損失", "test-loss": "テスト損失",
    "train-accuracy": "訓練正解率", "test-accuracy": "テスト正解率",
    data: "データ", dataset: "データセット", noise: "ノイズ", "test-fraction": "テストの割合", seed: "シード",
    network: "ネットワーク", "hidden-layers": "隠れ層", "add-layer": "＋ 層", "remove-layer": "－ 層",
    width: "ユニット数", activation: "活性化関数", init: "重みの初期値", training: "学習",
    optimizer: "最適化手法", lr: "学習率", "batch-size": "バッチサイズ", batchnorm: "バッチ正規化",
    dropout: "ドロップアウト", "weight-decay": "L2 荷重減衰",
    units: "隠れ層の各ユニットの出力を平面上に描いています（橙 < 0 < 青）。マウスを重ねると拡大します。",
    input: "入力", output: "出力", layer: "層",
    boundary: "決定境界：色は予測したクラス、淡いほど自信が低い。○ 訓練データ、● テストデータ。",
    curves: "損失と正解率",
    gradients: "層ごとの勾配のノルム ‖∂L/∂W‖（対数目盛）— 勾配消失を見る図",
    "gradients-help": "各 Linear 層の ‖∂L/∂W‖ を直近のエポックで平均したものです。出力層より何桁も下にある層は"
      + "ほとんど学習していません。飽和：活性化関数の微分が最大値の 1/10 未満になった出力の割合。"
      + "死んだユニット：訓練データのすべてで飽和しているユニットの割合。",
    "col-layer": "層", "col-grad": "‖∂L/∂W‖", "col-hist": "活性の分布", "col-saturated": "飽和",
    "col-dead": "死んだユニット", "col-code": "コード",
    "as-command": "コマンドとして", "as-python": "Python として", show: "表示", copy: "コピー", copied: "コピーしました",
    "command-help": "このネットワークを同じように（同じデータ・初期値・ミニバッチで）ここまでのエポック数だけ学習します。",
    "npz-help": "このノイズや分割は train の既定と異なるため、点のデータを",
    "npz-help-2": "として、コマンドを実行するフォルダに保存してください。",
    "python-help": "scratchdl.nn と scratchdl.optim を使う素朴なループです。テスト正解率を表示します。",
    "live-note": "学習の途中 (エポック {epoch}) で学習率かバッチサイズを変えたため、コマンドとスクリプトは今の値で"
      + "最初から学習し、この実行とは数値が変わります。同じ実行にするにはリセットしてください。",
    code: "コード", close: "閉じる", formula: "式", "defined-in": "定義",
    "no-token": "このページにはトークンが必要です。`scratchdl playground` が表示した URL を開いてください。",
    disconnected: "サーバーとの接続が切れました（`scratchdl playground` は動いていますか？）。",
    diverged: "損失が NaN か無限大になったため学習を止めました。学習率を下げてリセットしてください。",
    "train-curve": "訓練", "test-curve": "テスト", loss: "損失", accuracy: "正解率",
    lang: "言語",
  },
};

const OPTION_LABELS = {
  en: {
    spiral: "spiral (3 classes)", xor: "xor", circles: "circles", gaussians: "two Gaussians",
    sigmoid: "sigmoid", tanh: "tanh", relu: "ReLU", leaky_relu: "leaky ReLU", gelu: "GELU",
    "normal:1": "N(0, 1)", "normal:0.01": "N(0, 0.01²)", xavier: "Xavier N(0, 1/n)", he: "He N(0, 2/n)",
    sgd: "SGD", momentum: "Momentum", adagrad: "AdaGrad", rmsprop: "RMSProp", adam: "Adam",
  },
  ja: {
    spiral: "渦巻き（3 クラス）", xor: "XOR", circles: "円", gaussians: "2 つのガウス分布",
  },
};

function t(lang, key) {
  return (STRINGS[lang] && STRINGS[lang][key]) || STRINGS.en[key] || key;
}

function optionLabel(lang, value) {
  return (OPTION_LABELS[lang] && OPTION_LABELS[lang][value]) || OPTION_LABELS.en[value] || String(value);
}

function translatePage(lang) {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(lang, el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-title]")) el.title = t(lang, el.dataset.i18nTitle);
  document.title = t(lang, "title");
}
