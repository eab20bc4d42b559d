"""The study report's forward exercise: a 3-5-4 network (ReLU hidden layer, softmax output)
with weights drawn from a seeded generator, and the cross-entropy against [0, 0, 0, 1].

Run: ``python examples/seed_forward.py [--seed N]``.
"""

import argparse

import numpy as np

from scratchdl.functions import cross_entropy_error, print_vec, relu, softmax


def init_network(rng):
    print("##### ネットワークの初期化 #####")
    network = {
        "W1": rng.random((3, 5)),
        "W2": rng.random((5, 4)),
        "b1": rng.random(5),
        "b2": rng.random(4),
    }
    print_vec("重み1", network["W1"])
    print_vec("重み1_shape", network["W1"].shape)
    print_vec("重み2", network["W2"])
    print_vec("重み2_shape", network["W2"].shape)
    print_vec("バイアス1", network["b1"])
    print_vec("バイアス2", network["b2"])
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    x = np.array([1.0, 2.0, 3.0])
    d = np.array([0, 0, 0, 1])
    network = init_network(np.random.default_rng(args.seed))
    y, _ = forward(network, x)
    loss = cross_entropy_error(d, y)
    print("\n##### 結果表示 #####")
    print_vec("出力", y)
    print_vec("訓練データ", d)
    print_vec("誤差", loss)
    return loss


if __name__ == "__main__":
    main()
