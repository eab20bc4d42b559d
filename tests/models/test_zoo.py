"""The model zoo: every model trains on 28x28 and 8x8 images, its summary counts the parameters PyTorch
counts for the same architecture, and its weights give PyTorch's outputs."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from torch import nn

from scratchdl.errors import ConfigError
from scratchdl.interop import to_torch_state_dict
from scratchdl.models import MLP, MODELS, VGG, AlexNet, ResNet, SimpleConvNet, build
from scratchdl.nn import CrossEntropyLoss, MaxPool2d, ReLU
from scratchdl.optim import SGD

SHAPES = [(1, 28, 28), (1, 8, 8)]
# name -> constructor options small enough for fast tests (the defaults where they already are)
CASES = {
    "mlp": {"hidden": (32, 16)},
    "simple_cnn": {"channels": 6, "hidden": 16},
    "vgg": {"cfg": (8, "M", 16, "M"), "hidden": (16,)},
    "vgg_bn": {"cfg": (8, 8, "M", 16, "M"), "hidden": (16,), "batchnorm": True, "dropout": 0.2},
    "resnet": {"stem_channels": 8, "stages": (8, 16), "blocks_per_stage": 1},
    "alexnet": {"channels": (8, 16, 16, 16, 8), "hidden": (32, 32), "dropout": 0.5},
}


def make(case: str, input_shape, num_classes=5, seed=0):
    name = "vgg" if case == "vgg_bn" else case
    return build(name, input_shape, num_classes, rng=np.random.default_rng(seed), **CASES[case])


def batch(input_shape, n=6, num_classes=5, seed=1):
    rng = np.random.default_rng(seed)
    return rng.random((n, *input_shape), dtype=np.float32), rng.integers(0, num_classes, n)


def train(model, x, t, steps=5, lr=0.02):
    criterion, optimizer = CrossEntropyLoss(), SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        model.zero_grad()
        losses.append(criterion(model(x), t))
        model.backward(criterion.backward())
        optimizer.step()
    return losses


# ---- the same architectures in torch.nn, built from each model's config ------------------------------
class TorchConvNet(nn.Module):
    """features -> flatten -> classifier, the classifier sized by running features on zeros."""

    def __init__(self, features, make_classifier, input_shape):
        super().__init__()
        self.features, self.flatten = features, nn.Flatten()
        with torch.no_grad():
            n = self.flatten(self.features.eval()(torch.zeros(1, *input_shape))).shape[1]
        self.classifier = make_classifier(n)

    def forward(self, x):
        return self.classifier(self.flatten(self.features(x)))


class TorchBasicBlock(nn.Module):
    """torchvision's BasicBlock: conv3x3-BN-ReLU-conv3x3-BN, plus identity or 1x1 conv-BN shortcut."""

    def __init__(self, c_in, c_out, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.shortcut = nn.Sequential()
        if stride != 1 or c_in != c_out:
            projection = nn.Conv2d(c_in, c_out, 1, stride, bias=False)
            self.shortcut = nn.Sequential(projection, nn.BatchNorm2d(c_out))

    def forward(self, x):
        y = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(y + self.shortcut(x))


def classifier_layers(n, hidden, num_classes, dropout, dropout_first=False):
    layers = []
    for size in hidden:
        drop = [nn.Dropout(dropout)] if dropout else []
        linear = [nn.Linear(n, size), nn.ReLU()]
        layers += drop + linear if dropout_first else linear + drop
        n = size
    return nn.Sequential(*layers, nn.Linear(n, num_classes))


def torch_twin(model):
    """The architecture of ``model`` written with torch.nn, from ``model.config`` alone."""
    cfg = dict(model.config)
    if isinstance(model, MLP):
        sizes = cfg["sizes"]
        layers = []
        for a, b in zip(sizes[:-2], sizes[1:-1], strict=True):
            layers += [nn.Linear(a, b), nn.ReLU()]
        twin = nn.Module()
        twin.flatten, twin.layers = nn.Flatten(), nn.Sequential(*layers, nn.Linear(sizes[-2], sizes[-1]))
        twin.forward = lambda x: twin.layers(twin.flatten(x))
        return twin
    shape, classes = cfg["input_shape"], cfg["num_classes"]
    if isinstance(model, SimpleConvNet):
        k, p, pool = cfg["kernel_size"], cfg["padding"], cfg["pool_size"]
        conv = nn.Conv2d(shape[0], cfg["channels"], k, padding=p)
        features = nn.Sequential(conv, nn.ReLU(), nn.MaxPool2d(pool))
        return TorchConvNet(features, lambda n: classifier_layers(n, [cfg["hidden"]], classes, 0), shape)
    if isinstance(model, VGG):
        layers, c = [], shape[0]
        for v in cfg["cfg"]:
            if v == "M":
                layers.append(nn.MaxPool2d(2))
                continue
            layers += [nn.Conv2d(c, v, 3, padding=1)] + ([nn.BatchNorm2d(v)] if cfg["batchnorm"] else [])
            layers.append(nn.ReLU())
            c = v
        make_classifier = lambda n: classifier_layers(n, cfg["hidden"], classes, cfg["dropout"])  # noqa: E731
        return TorchConvNet(nn.Sequential(*layers), make_classifier, shape)
    if isinstance(model, AlexNet):
        ch, k = cfg["channels"], cfg["first_kernel"]
        layers = [nn.Conv2d(shape[0], ch[0], k, cfg["first_stride"], k // 2), nn.ReLU(),
                  nn.MaxPool2d(3, 2, 1), nn.Conv2d(ch[0], ch[1], 5, padding=2), nn.ReLU(),
                  nn.MaxPool2d(3, 2, 1)]
        for a, b in zip(ch[1:4], ch[2:5], strict=True):
            layers += [nn.Conv2d(a, b, 3, padding=1), nn.ReLU()]
        layers.append(nn.MaxPool2d(3, 2, 1))
        make_classifier = lambda n: classifier_layers(  # noqa: E731
            n, cfg["hidden"], classes, cfg["dropout"], dropout_first=True)
        return TorchConvNet(nn.Sequential(*layers), make_classifier, shape)
    if isinstance(model, ResNet):
        stem = cfg["stem_channels"]
        layers = [nn.Conv2d(shape[0], stem, 3, padding=1, bias=False), nn.BatchNorm2d(stem), nn.ReLU()]
        c = stem
        for i, width in enumerate(cfg["stages"]):
            for b in range(cfg["blocks_per_stage"]):
                layers.append(TorchBasicBlock(c, width, 2 if i > 0 and b == 0 else 1))
                c = width
        layers.append(nn.AdaptiveAvgPool2d(1))
        return TorchConvNet(nn.Sequential(*layers), lambda n: nn.Sequential(nn.Linear(n, classes)), shape)
    raise TypeError(type(model))


# ---- tests -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("input_shape", SHAPES, ids=["28x28", "8x8"])
@pytest.mark.parametrize("case", list(CASES))
def test_each_model_trains_a_few_steps_on_both_image_sizes(case, input_shape):
    model = make(case, input_shape)
    x, t = batch(input_shape)
    losses = train(model, x, t)
    assert all(np.isfinite(losses))
    assert min(losses[1:]) < losses[0]  # dropout makes single steps noisy; the trend is down
    for name, param in model.named_parameters():
        assert param.data.dtype == np.float32, name
        assert np.all(np.isfinite(param.grad)), name
        assert np.any(param.grad != 0), f"{name} got no gradient"


@pytest.mark.parametrize("input_shape", SHAPES, ids=["28x28", "8x8"])
@pytest.mark.parametrize("case", list(CASES))
def test_summary_counts_the_parameters_pytorch_counts(case, input_shape):
    model = make(case, input_shape)
    table = model.summary(input_shape)
    twin_params = sum(p.numel() for p in torch_twin(model).parameters())
    assert table.total_params == twin_params
    assert sum(row.params for row in table.rows) == twin_params  # every layer has its row
    assert table.rows[-1].output_shape == (None, 5)
    assert table.total_macs > 0
    assert "Total params" in str(table)


@pytest.mark.parametrize("input_shape", SHAPES, ids=["28x28", "8x8"])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_default_sized_models_count_what_pytorch_counts(name, input_shape):
    model = build(name, input_shape, 10)
    table = model.summary(input_shape)
    assert table.total_params == sum(p.numel() for p in torch_twin(model).parameters())
    assert table.rows[-1].output_shape == (None, 10)


@pytest.mark.parametrize("input_shape", SHAPES, ids=["28x28", "8x8"])
@pytest.mark.parametrize("case", list(CASES))
def test_weights_loaded_into_pytorch_give_the_same_outputs(case, input_shape):
    model = make(case, input_shape)
    x, t = batch(input_shape)
    train(model, x, t, steps=2)  # moves batch-norm running statistics away from their start
    twin = torch_twin(model)
    state = {k: torch.from_numpy(v) for k, v in to_torch_state_dict(model).items()}
    twin.load_state_dict(state, strict=True)
    model.eval()
    twin.eval()
    with torch.no_grad():
        expected = twin(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model(x), expected, rtol=1e-4, atol=1e-5)


def test_simple_conv_net_is_the_courses_network_on_28x28():
    model = SimpleConvNet()
    table = model.summary((1, 28, 28))
    shapes = [row.output_shape for row in table.rows]
    assert shapes[:3] == [(None, 30, 24, 24)] * 2 + [(None, 30, 12, 12)]
    assert model.config["padding"] == 0
    # conv 24*24*30*(1*5*5), affine 4320*100 and 100*10 multiply-adds
    assert table.total_macs == 24 * 24 * 30 * 25 + 4320 * 100 + 100 * 10
    assert table.total_params == (30 * 25 + 30) + (4320 * 100 + 100) + (100 * 10 + 10)


def test_simple_conv_net_keeps_an_8x8_image_8x8_before_pooling():
    model = SimpleConvNet((1, 8, 8), 10)
    assert model.config["padding"] == 2
    assert model.summary((1, 8, 8)).rows[0].output_shape == (None, 30, 8, 8)


@pytest.mark.parametrize("case", list(CASES))
def test_config_is_json_and_rebuilds_the_same_model(case):
    model = make(case, (1, 8, 8))
    config = json.loads(json.dumps(model.config))
    rebuilt = type(model)(**config)
    assert {k: v.shape for k, v in rebuilt.state_dict().items()} == {
        k: v.shape for k, v in model.state_dict().items()
    }


def test_registry_and_names_like_pytorch():
    assert set(MODELS) == {"mlp", "simple_cnn", "vgg", "resnet", "alexnet"}
    names = [n for n, _ in build("vgg", (1, 8, 8), 3).named_parameters()]
    assert names[0] == "features.0.weight" and names[-1].startswith("classifier.")


def test_build_sizes_the_mlp_from_the_input_shape():
    model = build("mlp", (1, 8, 8), 3, hidden=(16,))
    assert model.config["sizes"] == [64, 16, 3]
    assert build("mlp", (1, 28, 28), 10, hidden=100).config["sizes"] == [784, 100, 10]


def test_build_rejects_an_unknown_name_listing_the_valid_ones():
    with pytest.raises(ConfigError, match="unknown model 'lenet'.*alexnet.*vgg"):
        build("lenet", (1, 28, 28), 10)


def test_too_many_pools_for_a_small_image_is_a_config_error():
    with pytest.raises(ConfigError, match="VGG: input too small"):
        VGG((1, 8, 8), 10, cfg=(8, "M", 8, "M", 8, "M", 8, "M"))
    with pytest.raises(ConfigError, match="input_shape"):
        build("resnet", (28, 28), 10)


# ---- configuration lists hold widths, never layers ------------------------------------------------
@pytest.mark.parametrize(("make", "error", "words"), [
    (lambda: MLP([784, ReLU(), 10]), TypeError, r"MLP: sizes\[1\] is a layer \(ReLU\).*nn\.Sequential"),
    (lambda: VGG(cfg=(8, MaxPool2d(2))), TypeError, r"VGG: cfg\[1\] is a layer \(MaxPool2d\)"),
    (lambda: VGG(cfg=(8, "m")), ConfigError, r"VGG: cfg\[1\] must be a positive int \(did you mean 'M'\?\)"),
    (lambda: build("mlp", hidden="100,50"), ConfigError, r"hidden must be a list of ints such as"),
    (lambda: build("mlp", hidden=[100, 0]), ConfigError, r"hidden\[1\] must be a positive int, got 0"),
    (lambda: ResNet(stages=(8, 16.5)), ConfigError, r"ResNet: stages\[1\] must be a positive int, got 16.5"),
    (lambda: AlexNet(channels=(8, 16, "x", 16, 8)), ConfigError, r"AlexNet: channels\[2\]"),
])
def test_bad_configuration_entries_are_named(make, error, words):
    with pytest.raises(error, match=words):
        make()


def test_a_single_width_is_a_list_of_one():
    assert build("mlp", (1, 8, 8), 10, hidden=50).config["sizes"] == [64, 50, 10]
    assert VGG((1, 8, 8), hidden=20).config["hidden"] == [20]
