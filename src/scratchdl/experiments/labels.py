"""Japanese names for the keys of the experiments' ``numbers``, in one table.

``results.json`` keeps the keys as the code writes them (``final_test_accuracy``); what a person
reads in Japanese (the numbers that ``scratchdl experiment`` prints, the report's list of every
number) shows them through ``key_label``. A key that names a thing rather than a quantity
(``sigmoid``, ``adam``, ``N(0, 1)``, ``layers.0.weight``, a learning rate such as ``0.1``) is
shown as it is; ``NAMES`` lists the words such keys use. A key with no entry falls back to itself,
so a new key shows in English until it is added here (``tests/experiments/test_labels.py`` finds it).
"""

from __future__ import annotations

import re

JA = {
    # activations
    "sigmoid(0)": "sigmoid(0)",
    "max sigmoid'(z)": "sigmoid'(z) の最大値",
    "argmax sigmoid'(z)": "sigmoid'(z) が最大になる z",
    "sigmoid'(0)": "sigmoid'(0)",
    "sigmoid range on grid": "格子上での sigmoid の値域",
    "max tanh'(z)": "tanh'(z) の最大値",
    "relu'(z) for z<0 / z>0": "relu'(z) (z<0 / z>0)",
    "max |derivative error|": "微分の最大誤差",
    "layer_vs_course_function": "層と講義の関数の差",
    "backward_vs_central_difference": "逆伝播と中心差分の差",
    "scale_10": "大きさ 10",
    "near_1000": "1000 付近",
    "max_abs_sum_minus_1": "|和 − 1| の最大",
    "all_in_0_1": "すべて 0 以上 1 以下",
    "finite": "すべて有限",
    "shift_invariance_max_diff": "softmax(x + c) − softmax(x) の最大",
    "course_softmax_max_diff": "講義の softmax との差の最大",
    "grid": "格子",
    "points": "点の数",
    "range": "範囲",
    "dtype": "データ型",
    "argmax tanh'(z)": "tanh'(z) が最大になる z",
    "tanh range on grid": "格子上での tanh の値域",
    "softmax_example": "softmax の例",
    "logits": "ロジット",
    "probabilities": "確率",
    # learning rate
    "hessian_eigenvalues": "ヘッセ行列の固有値",
    "stability_limit_2_over_lambda_max": "安定限界 2/λ_max",
    "least_squares_w_b": "最小二乗解 (w, b)",
    "least_squares_loss": "最小二乗解での損失",
    "steps": "ステップ数",
    "samples": "サンプル数",
    "runs": "実行",
    "too_small": "小さすぎる",
    "good": "適切",
    "near_limit": "限界の手前",
    "too_large": "大きすぎる",
    "lr": "学習率",
    "learning_rate": "学習率",
    "lr_over_limit": "学習率 / 限界",
    "initial_loss": "初期損失",
    "final_loss": "最終損失",
    "final_excess_over_initial": "最終の (損失 − 最小) / 初期の (損失 − 最小)",
    "steps_to_1e-3_excess": "誤差 1e-3 までのステップ数",
    "diverged_at_step": "発散したステップ",
    "steps_run": "実行したステップ数",
    "steep_offset_per_step": "最も急な方向での最小点からのずれ (ステップごと)",
    # sgd
    "dataset": "データセット",
    "model": "モデル",
    "epochs": "エポック数",
    "time_budget_seconds": "持ち時間 (秒)",
    "blas_threads": "BLAS のスレッド数",
    "methods": "手法",
    "full_batch": "全データ (バッチ)",
    "mini_batch": "ミニバッチ",
    "online": "オンライン学習",
    "batch_size": "バッチサイズ",
    "loss_after_the_time_budget": "持ち時間後の損失",
    "epochs_in_the_time_budget": "持ち時間内のエポック数",
    "updates_in_the_time_budget": "持ち時間内の更新回数",
    "times_each_sample_seen_min_max": "各サンプルを使った回数 (最小, 最大)",
    "test_accuracy_before": "学習前のテスト精度",
    "test_accuracy_after_one_pass": "1 周後のテスト精度",
    "loss_after_the_epochs": "全エポック後の損失",
    "updates_per_epoch": "1 エポックあたりの更新回数",
    # optimizers
    "start": "出発点",
    "tolerance_f": "f の許容値",
    "step_budget": "ステップの上限",
    "common_lr": "共通の学習率",
    "steps_to_minimum_at_common_lr": "共通の学習率で最小点までのステップ数",
    "best_lr_and_steps_on_grid": "格子上で最良の学習率とステップ数",
    "lr_grid": "学習率の格子 (最小, 最大, 点数)",
    "converging_lr_range": "収束する学習率の範囲",
    "converging_lr_count": "収束する学習率の数",
    "sgd_stability_limit_2_over_lambda_max": "SGD の安定限界 2/λ_max",
    "per_optimizer": "最適化手法ごと",
    "final_train_loss": "最終の訓練損失",
    "test_accuracy": "テスト精度",
    "sgd_steps_to_settle_per_axis_at_common_lr": "共通の学習率で SGD が各軸で落ち着くまでのステップ数",
    # vanishing gradient
    "layers": "層数",
    "gradient_norm_per_layer": "層ごとの勾配ノルム",
    "first_to_last_gradient_norm_ratio": "勾配ノルムの比 (最初の層 / 最後の層)",
    "first_layer_norm_sigmoid_over_relu_he": "最初の層の勾配ノルムの比 (sigmoid / relu + He)",
    "mean_sigmoid_derivative_per_layer_xavier": "層ごとの sigmoid の微分の平均 (Xavier)",
    "test_accuracy_after_training": "学習後のテスト精度",
    "initializations_averaged": "平均した初期値の数",
    "relative_weight_change_per_layer": "層ごとの重みの相対変化",
    "mean_gradient_shrink_per_layer_sigmoid_xavier": "1 層ごとの勾配の縮小率の平均 (sigmoid + Xavier)",
    # weight init
    "activation_std_per_layer": "層ごとの活性の標準偏差",
    "saturated_fraction_per_layer": "層ごとの飽和したユニットの割合",
    "band": "目安の範囲",
    "final_test_accuracy": "最終のテスト精度",
    "diverged": "発散した組み合わせ",
    "test_accuracy_per_epoch": "エポックごとのテスト精度",
    "spread_between_digits_per_layer": "層ごとの数字間の広がり",
    "sigmoid_xavier_momentum": "sigmoid + Xavier (Momentum SGD)",
    "sigmoid_xavier_adam": "sigmoid + Xavier (Adam)",
    "mean_output_per_layer": "層ごとの平均出力",
    "first_epoch_above_50%": "50% を初めて超えたエポック",
    # batch norm
    "seeds": "シードの数",
    "test_accuracy_without_batchnorm": "バッチ正規化なしのテスト精度",
    "test_accuracy_with_batchnorm": "バッチ正規化ありのテスト精度",
    "diverged_without_batchnorm": "バッチ正規化なしで発散したもの",
    "diverged_with_batchnorm": "バッチ正規化ありで発散したもの",
    "lowest_run_with_batchnorm": "バッチ正規化ありの最低の実行",
    "curves_of_this_seed": "このシードの学習曲線",
    "plain": "バッチ正規化なし",
    "batchnorm": "バッチ正規化あり",
    "plain_diverged": "バッチ正規化なしで発散",
    "batchnorm_diverged": "バッチ正規化ありで発散",
    # universal approximation
    "widths": "隠れユニット数",
    "rmse": "RMSE",
    "max_abs_error": "最大誤差",
    "rmse_ratio_widest_over_width_1": "RMSE の比 (最も広い / 幅 1)",
    "spearman_width_vs_rmse": "幅と RMSE の順位相関 (Spearman)",
    "adam_steps": "Adam のステップ数",
    "restarts": "やり直しの回数",
    # generative vs discriminative
    "softmax_regression p(y|x)": "ソフトマックス回帰 p(y|x)",
    "mlp p(y|x)": "MLP p(y|x)",
    "diagonal_gaussian p(x|y)": "対角ガウス p(x|y)",
    "ppca_gaussian_k10 p(x|y)": "PPCA ガウス (k = 10) p(x|y)",
    "chance": "当て推量",
    "generated_samples_recognized_by_mlp": "生成した画像を MLP が正しく認識した割合",
    "latent_dimensions_k": "潜在次元 k",
    "accuracy_vs_train_samples_per_class": "クラスあたりの訓練画像数と精度",
    "samples_per_class": "クラスあたりの画像数",
    "generative": "生成 (PPCA + ベイズ)",
    "softmax_regression": "識別 (ソフトマックス回帰)",
    "generated_samples": "生成した画像の数",
    # backprop
    "seed_network": "レポートの 2-3-2 ネットワーク",
    "backprop_W1": "逆伝播で求めた dE/dW1",
    "max_abs_diff_to_seed_printed": "レポートの出力との差の最大",
    "max_relative_error_vs_numerical": "数値微分との最大相対誤差",
    "gradient_check": "勾配チェック",
    "parameters": "パラメータ数",
    "relative_error_per_parameter": "パラメータごとの相対誤差",
    "max_relative_error": "最大相対誤差",
    "sizes": "層の大きさ",
    "batch": "バッチサイズ",
    "h": "h (差分の幅)",
    "timing": "計算時間",
    "width": "幅",
    "backprop_seconds": "逆伝播の時間 (秒)",
    "numerical_seconds": "数値微分の時間 (秒)",
    "ratio": "比 (数値微分 / 逆伝播)",
    "largest_ratio_numerical_over_backprop": "時間の比の最大 (数値微分 / 逆伝播)",
    "numerical_forward_passes": "数値微分の順伝播の回数",
    # autograd (computational graph)
    "apple_graph": "りんごのグラフ",
    "apple_and_orange_graph": "りんごとみかんのグラフ",
    "price": "支払金額",
    "apple_price": "りんごの値段 (個数分)",
    "subtotal": "小計",
    "d_apple": "りんご 1 個の値段についての微分",
    "d_apples": "りんごの個数についての微分",
    "d_orange": "みかん 1 個の値段についての微分",
    "d_oranges": "みかんの個数についての微分",
    "d_tax": "消費税についての微分",
    "d_apple_price": "りんごの値段 (個数分) についての微分",
    "d_orange_price": "みかんの値段 (個数分) についての微分",
    "d_subtotal": "小計についての微分",
    "loss": "損失 E",
    "dE_dW1": "dE/dW1",
    "dE_du1": "dE/du1",
    "dE_du2": "dE/du2",
    "max_abs_diff_autograd_vs_explicit": "自動微分と明示的な層の勾配の差の最大",
    "orders": "導関数の階数",
    "max_abs_error_vs_closed_form": "解析解との差の最大 (階数ごと)",
    "largest_abs_per_order": "導関数の絶対値の最大 (階数ごと)",
    "explicit_seconds": "明示的な層の時間 (秒)",
    "autograd_seconds": "自動微分の時間 (秒)",
    "autograd_over_explicit": "時間の比 (自動微分 / 明示的な層)",
    "numerical_over_autograd": "時間の比 (数値微分 / 自動微分)",
    # cnn
    "train_seconds": "学習時間 (秒)",
    "simple_cnn_first_filters_relative_change": "SimpleConvNet の第 1 層フィルタの相対変化",
    "test_accuracy_shifted_by_1_pixel": "1 画素ずらした画像でのテスト精度",
    "epoch_reaching_90%": "90% に達したエポック",
    "conv_layers": "畳み込み層",
    "input_map": "入力の特徴マップの大きさ",
    "pools_before": "手前のプーリング層の数",
    "weights_without_gradient": "勾配が 0 の重みの割合",
}

# Keys with a number in them: (pattern, Japanese with the pattern's groups).
PATTERNS = [
    (re.compile(r"loss_after_(\d+)_epochs"), "{0} エポック後の損失"),
    (re.compile(r"steps_to_train_loss_([\d.e-]+)"), "訓練損失 {0} までのステップ数"),
    (re.compile(r"misclassified_of_(\d+)"), "誤分類数 ({0} 枚中)"),
    (re.compile(r"bound_([\d.]+)_pow_(\d+)"), "上限 {0}^{1}"),
    (re.compile(r"layer (\d+)"), "第 {0} 層"),
]

# Words of keys that name a thing (an activation, an optimizer, a model, an initializer, a
# function): shown as they are in either language.
NAMES = {"sigmoid", "tanh", "relu", "softmax", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam",
         "Xavier", "He", "MLP", "SimpleConvNet", "VGG-style", "ResNet-style", "AlexNet-style", "digits",
         "sin", "abs", "step"}


def key_label(key: str, lang: str) -> str:
    """How a key of ``numbers`` reads in ``lang``: in Japanese its entry in ``JA`` (or ``PATTERNS``),
    else the key itself."""
    if lang != "ja":
        return key
    if key in JA:
        return JA[key]
    for pattern, text in PATTERNS:
        if match := pattern.fullmatch(key):
            return text.format(*match.groups())
    return key


def is_name(key: str) -> bool:
    """Whether ``key`` names a thing (kept as it is) rather than a quantity (which needs a label):
    a word of ``NAMES``, such words joined by `` + ``, a formula or number without a word in it
    (``N(0, 1)``, ``0.1``), or a parameter's path (``layers.0.weight``)."""
    if re.fullmatch(r"[a-z_]+(\.\d+)+\.[a-z_]+", key):
        return True
    return all(part in NAMES or not re.search(r"[A-Za-z]{2,}", part) for part in key.split(" + "))
