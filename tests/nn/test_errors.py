"""Bad input gives a clear scratchdl error: which layer, what it expected, what it got."""

import re

import numpy as np
import pytest

from scratchdl import ScratchDLError, nn, optim
from scratchdl.errors import ConfigError, DataError, DTypeError, ShapeError, StateError
from scratchdl.models import MLP


def x32(*shape):
    return np.random.default_rng(0).standard_normal(shape).astype(np.float32)


def test_every_error_is_a_scratchdl_error_and_a_builtin_one():
    assert issubclass(ShapeError, ScratchDLError) and issubclass(ShapeError, ValueError)
    assert issubclass(DataError, ScratchDLError) and issubclass(DataError, ValueError)
    assert issubclass(DTypeError, ScratchDLError) and issubclass(DTypeError, TypeError)
    assert issubclass(ConfigError, ScratchDLError) and issubclass(ConfigError, ValueError)
    assert issubclass(StateError, ScratchDLError) and issubclass(StateError, RuntimeError)


# ---- shapes -----------------------------------------------------------------------------------
def test_linear_wrong_feature_size_names_layer_expected_and_given():
    with pytest.raises(ShapeError) as info:
        nn.Linear(3, 5)(x32(2, 4))
    message = str(info.value)
    assert message.startswith("Linear(3, 5)")
    assert "(*, 3)" in message  # expected
    assert "(2, 4)" in message  # given


def test_model_wrong_feature_size_names_the_first_linear():
    model = MLP([6, 4, 2])
    with pytest.raises(ShapeError, match=re.escape("Linear(6, 4): expected input shape (*, 6), got (3, 5)")):
        model(x32(3, 5))


def test_batchnorm_wrong_channels_and_rank():
    message = "BatchNorm1d(4): expected input shape (*, 4), got (2, 3)"
    with pytest.raises(ShapeError, match=re.escape(message)):
        nn.BatchNorm1d(4)(x32(2, 3))
    with pytest.raises(ShapeError, match=re.escape("BatchNorm1d(4): expected a 2-D or 3-D input")):
        nn.BatchNorm1d(4)(x32(2, 4, 3, 3))


# ---- cross-entropy targets --------------------------------------------------------------------
@pytest.mark.parametrize("bad", [3, 7, -1])
def test_cross_entropy_label_out_of_range(bad):
    labels = np.array([0, 1, bad, 2])
    with pytest.raises(DataError) as info:
        nn.CrossEntropyLoss()(x32(4, 3), labels)
    message = str(info.value)
    assert "CrossEntropyLoss" in message
    assert "[0, 2]" in message and "3 classes" in message
    assert f"got {bad}" in message


@pytest.mark.parametrize(
    "target, expected",
    [
        (np.array([0, 1, 2]), "expected 4 labels (one per row), got 3"),
        (np.zeros((4, 5), np.float32), "expected a target of shape (4, 3) (the prediction's), got (4, 5)"),
        (np.zeros((3, 3), np.float32), "expected a target of shape (4, 3) (the prediction's), got (3, 3)"),
        (np.zeros((4, 3, 1)), "got shape (4, 3, 1)"),
        (np.array([0.0, 1.0, 2.0, 1.0]), "expected integer labels of shape (4,)"),
    ],
)
def test_cross_entropy_target_of_the_wrong_shape(target, expected):
    with pytest.raises(ShapeError) as info:
        nn.CrossEntropyLoss()(x32(4, 3), target)
    assert "CrossEntropyLoss" in str(info.value)
    assert expected in str(info.value)


def test_cross_entropy_needs_2d_logits():
    with pytest.raises(ShapeError, match="expected a 2-D input, got shape \\(3,\\)"):
        nn.CrossEntropyLoss()(x32(3), np.array([0]))


@pytest.mark.parametrize("loss", [nn.MSELoss(), nn.BCEWithLogitsLoss()], ids=lambda m: m.name())
def test_elementwise_losses_need_matching_shapes(loss):
    message = "expected a target of shape (2, 3) (the prediction's), got (3, 2)"
    with pytest.raises(ShapeError, match=re.escape(message)):
        loss(x32(2, 3), x32(3, 2))


# ---- order of calls ---------------------------------------------------------------------------
LAYERS = [
    nn.Linear(3, 5), nn.ReLU(), nn.Sigmoid(), nn.Tanh(), nn.LeakyReLU(), nn.GELU(), nn.Softmax(),
    nn.Identity(), nn.Flatten(), nn.Dropout(0.5), nn.BatchNorm1d(3),
]


@pytest.mark.parametrize("layer", LAYERS, ids=lambda m: m.name())
def test_backward_before_forward_names_the_layer(layer):
    with pytest.raises(StateError) as info:
        layer.backward(x32(2, 3))
    assert str(info.value) == f"{layer.name()}: backward() called before forward()"


@pytest.mark.parametrize("loss", [nn.CrossEntropyLoss(), nn.MSELoss(), nn.BCEWithLogitsLoss()],
                         ids=lambda m: m.name())
def test_loss_backward_before_forward(loss):
    with pytest.raises(StateError, match=re.escape(f"{loss.name()}: backward() called before forward()")):
        loss.backward()


def test_model_backward_before_forward_and_after_a_dtype_change():
    model = MLP([4, 3, 2])
    with pytest.raises(StateError, match=re.escape("Linear(3, 2): backward() called before forward()")):
        model.backward(x32(5, 2))
    model(x32(5, 4))
    model.to(np.float64)  # drops what forward kept, which had the old dtype
    with pytest.raises(StateError, match="backward\\(\\) called before forward\\(\\)"):
        model.backward(np.zeros((5, 2)))


# ---- dtypes -----------------------------------------------------------------------------------
def test_float64_into_a_float32_layer():
    with pytest.raises(DTypeError) as info:
        nn.Linear(3, 5)(np.zeros((2, 3)))
    message = str(info.value)
    assert message.startswith("Linear(3, 5)")
    assert "float32" in message and "float64" in message
    with pytest.raises(DTypeError, match="expected input dtype float32"):
        MLP([3, 4, 2])(np.zeros((2, 3)))
    with pytest.raises(DTypeError, match="expected input dtype float32"):
        nn.BatchNorm1d(3)(np.zeros((2, 3)))


def test_integer_input_and_non_arrays():
    with pytest.raises(DTypeError, match="floating-point input, got dtype int64"):
        nn.ReLU()(np.arange(4, dtype=np.int64))
    with pytest.raises(DTypeError, match="expected an array, got list"):
        nn.Linear(2, 2)([1.0, 2.0])


# ---- unknown names and bad options ------------------------------------------------------------
def test_unknown_initializer_lists_valid_names():
    with pytest.raises(ConfigError, match=r"unknown initializer 'heee'; valid: .*he_normal.*xavier_uniform"):
        nn.Linear(3, 5, init="heee")


def test_unknown_optimizer_lists_valid_names():
    with pytest.raises(ConfigError) as info:
        optim.create("adamm", nn.Linear(2, 2).parameters())
    valid = "adagrad, adam, adamw, momentum, nesterov, rmsprop, sgd"
    assert str(info.value) == f"unknown optimizer 'adamm'; valid: {valid}"


def test_known_optimizer_names_build_their_class():
    for name, cls in optim.OPTIMIZERS.items():
        assert type(optim.create(name.upper(), nn.Linear(2, 2).parameters(), lr=0.1)) is cls


def test_unknown_activation_lists_valid_names():
    message = "unknown activation 'swish'; valid: gelu, leaky_relu, relu, sigmoid, tanh"
    with pytest.raises(ConfigError, match=re.escape(message)):
        nn.activation("swish")
    with pytest.raises(ConfigError, match=re.escape(message)):
        MLP([3, 4, 2], activation="swish")


def test_bad_options():
    with pytest.raises(ConfigError, match="p must be in \\[0, 1\\), got 1.0"):
        nn.Dropout(1.0)
    with pytest.raises(ConfigError, match="MLP: sizes"):
        MLP([3])
    with pytest.raises(ConfigError, match="nesterov needs momentum > 0"):
        optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1, nesterov=True)
