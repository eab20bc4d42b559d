"""The study report's backprop exercise: a 2-3-2 network with fixed weights, one forward pass,
backpropagation by hand, and one SGD step with learning rate 0.01.

Run: ``python examples/seed_backprop.py``. It prints the same numbers as the report.
The labels are the report's own; note that its second ``偏微分_dE/du2`` is really dE/du1.

ラベルはレポートの印字のままです。2 つ目の「偏微分_dE/du2」は、実際には中間層の総入力 u1 についての
偏微分 dE/du1 (delta1) です。ノートブック ``notebooks/ex2_backprop_2-3-2.ipynb`` は正しいラベル
「偏微分_dE/du1」で印字します。
"""

import numpy as np

from scratchdl.functions import d_relu, d_sigmoid_with_loss, print_vec, relu, softmax

# The output keeps the report's labels, so that it compares line by line with the report; this note
# (printed last) says which label is the report's slip.
LABEL_NOTE = ("注: 「偏微分_dE/du2」が 2 回印字されるのはレポートの印字のままです。2 つ目は中間層の総入力 u1 に"
              "ついての偏微分 dE/du1 (delta1) です (ノートブック ex2_backprop_2-3-2 は「偏微分_dE/du1」と印字します)。")


def init_network():
    print("##### ネットワークの初期化 #####")
    network = {
        "W1": np.array([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]]),
        "W2": np.array([[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]]),
        "b1": np.array([0.1, 0.2, 0.3]),
        "b2": np.array([0.1, 0.2]),
    }
    for label, key in (("重み1", "W1"), ("重み2", "W2"), ("バイアス1", "b1"), ("バイアス2", "b2")):
        print_vec(label, network[key])
    return network


def forward(network, x):
    """u1 = x W1 + b1, z1 = relu(u1), u2 = z1 W2 + b2, y = softmax(u2)."""
    print("##### 順伝播開始 #####")
    u1 = x @ network["W1"] + network["b1"]
    z1 = relu(u1)
    u2 = z1 @ network["W2"] + network["b2"]
    y = softmax(u2)
    print_vec("総入力1", u1)
    print_vec("中間層出力1", z1)
    print_vec("総入力2", u2)
    print_vec("出力1", y)
    print("出力合計: " + str(np.sum(y)))
    return y, z1


def backward(network, x, d, z1, y):
    """delta2 = y - d; delta1 = delta2 W2^T * relu'(z1); dW = input^T delta; db = sum(delta)."""
    print("\n##### 誤差逆伝播開始 #####")
    delta2 = d_sigmoid_with_loss(d, y)
    delta1 = (delta2 @ network["W2"].T) * d_relu(z1)
    grad = {
        "W1": x.T @ delta1,
        "W2": z1.T @ delta2,
        "b1": delta1.sum(axis=0),
        "b2": delta2.sum(axis=0),
    }
    print_vec("偏微分_dE/du2", delta2)
    print_vec("偏微分_dE/du2", delta1)  # レポートの印字のまま: 正しくは dE/du1 (main の最後の注を参照)
    for label, key in (("重み1", "W1"), ("重み2", "W2"), ("バイアス1", "b1"), ("バイアス2", "b2")):
        print_vec("偏微分_" + label, grad[key])
    return grad


def main():
    x = np.array([[1.0, 5.0]])
    d = np.array([[0, 1]])
    learning_rate = 0.01
    network = init_network()
    y, z1 = forward(network, x)
    grad = backward(network, x, d, z1, y)
    for key in ("W1", "W2", "b1", "b2"):
        network[key] -= learning_rate * grad[key]
    print("##### 結果表示 #####")
    print("##### 更新後パラメータ #####")
    for label, key in (("重み1", "W1"), ("重み2", "W2"), ("バイアス1", "b1"), ("バイアス2", "b2")):
        print_vec(label, network[key])
    print(LABEL_NOTE)


if __name__ == "__main__":
    main()
