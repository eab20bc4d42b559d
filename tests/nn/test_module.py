"""The Module tree: names by path, state dicts, gradients, modes, summary, dtype casts, Sequential,
only layers in the tree, the book's W/b/dW/db, and moving weights to and from PyTorch."""

import re

import numpy as np
import pytest
import torch

from scratchdl import nn
from scratchdl.errors import ConfigError, ModuleTypeError, ShapeError, StateError
from scratchdl.interop import from_torch_state_dict, to_torch_state_dict
from scratchdl.models import MLP

torch.set_num_threads(1)


def mlp(seed=0, **kwargs):
    return MLP([6, 8, 7, 3], rng=np.random.default_rng(seed), **kwargs)


def data(seed=1, n=10, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal((n, 6)).astype(dtype)


# ---- names ------------------------------------------------------------------------------------
def test_named_parameters_by_path():
    names = [name for name, _ in mlp().named_parameters()]
    assert names == [
        "layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias",
        "layers.4.weight", "layers.4.bias",
    ]
    model = mlp()
    assert [p for _, p in model.named_parameters()] == list(model.parameters())


def test_state_dict_names_include_buffers_and_match_torch():
    model = mlp(batchnorm=True, dropout=0.5)
    torch_model = torch.nn.Module()
    torch_model.layers = torch.nn.Sequential(
        torch.nn.Linear(6, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU(), torch.nn.Dropout(0.5),
        torch.nn.Linear(8, 7), torch.nn.BatchNorm1d(7), torch.nn.ReLU(), torch.nn.Dropout(0.5),
        torch.nn.Linear(7, 3),
    )
    assert set(model.state_dict()) == set(torch_model.state_dict())
    assert "layers.1.running_var" in model.state_dict()
    assert "layers.1.num_batches_tracked" in model.state_dict()
    assert model.layers[1].running_var.tolist() == [1.0] * 8  # starts at 1, as torch


def test_nested_sequential_names():
    model = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Linear(3, 4)))
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "1.1.weight", "1.1.bias"]
    assert model.num_parameters() == 2 * 3 + 3 + 3 * 4 + 4


def test_reassigning_an_attribute_replaces_the_registration():
    layer = nn.Linear(2, 3)
    layer.bias = None
    assert [n for n, _ in layer.named_parameters()] == ["weight"]


def test_replacing_a_child_keeps_its_place():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    setattr(seq, "1", nn.Tanh())
    assert [type(m).__name__ for m in seq] == ["Linear", "Tanh", "Linear"]
    x = np.ones((1, 2), dtype=np.float32)
    expected = np.tanh(x @ seq[0].weight.data + seq[0].bias.data) @ seq[2].weight.data + seq[2].bias.data
    np.testing.assert_allclose(seq(x), expected, rtol=1e-6)
    model = mlp()
    model.layers = nn.Sequential(nn.Linear(6, 3))
    assert [n for n, _ in model.named_parameters()] == ["layers.0.weight", "layers.0.bias"]


# ---- state dicts ------------------------------------------------------------------------------
def test_load_state_dict_round_trip():
    source, target = mlp(0, batchnorm=True), mlp(1, batchnorm=True)
    source.train()
    for seed in range(3):  # move the running statistics away from their start
        source(data(seed))
    x = data(7)
    source.eval()
    target.eval()
    assert not np.allclose(source(x), target(x))
    target.load_state_dict(source.state_dict())
    np.testing.assert_array_equal(source(x), target(x))
    for name, array in target.state_dict().items():
        np.testing.assert_array_equal(array, source.state_dict()[name])
        assert array.dtype == source.state_dict()[name].dtype
    assert int(target.layers[1].num_batches_tracked) == 3
    # A copy, not an alias: changing the source afterwards leaves the target alone.
    source.layers[0].weight.data += 1.0
    assert not np.array_equal(source.layers[0].weight.data, target.layers[0].weight.data)


def test_load_state_dict_keeps_the_models_dtype():
    model = mlp()
    state = {k: v.astype(np.float64) if v.dtype == np.float32 else v for k, v in mlp(3).state_dict().items()}
    model.load_state_dict(state)
    assert all(p.data.dtype == np.float32 for p in model.parameters())
    np.testing.assert_allclose(model.layers[0].weight.data, state["layers.0.weight"], rtol=1e-7)


def test_load_state_dict_errors():
    model = mlp()
    state = model.state_dict()
    missing = {k: v for k, v in state.items() if k != "layers.2.bias"}
    with pytest.raises(ShapeError, match=r"missing keys \['layers.2.bias'\]"):
        model.load_state_dict(missing)
    with pytest.raises(ShapeError, match=r"unexpected keys \['layers.9.weight'\]"):
        model.load_state_dict({**state, "layers.9.weight": np.zeros(3)})
    wrong = {**state, "layers.0.weight": np.zeros((8, 6), dtype=np.float32)}
    with pytest.raises(ShapeError, match=r"layers.0.weight expected shape \(6, 8\), got \(8, 6\)"):
        model.load_state_dict(wrong)
    # strict=False loads what is there and leaves the rest.
    before = model.layers[2].bias.data.copy()
    other = mlp(5).state_dict()
    model.load_state_dict({"layers.0.weight": other["layers.0.weight"]}, strict=False)
    np.testing.assert_array_equal(model.layers[0].weight.data, other["layers.0.weight"])
    np.testing.assert_array_equal(model.layers[2].bias.data, before)


# ---- gradients and modes ----------------------------------------------------------------------
def test_backward_adds_into_grad_and_zero_grad_clears_in_place():
    model = mlp()
    loss = nn.CrossEntropyLoss()
    x, t = data(), np.arange(10) % 3
    loss(model(x), t)
    model.backward(loss.backward())
    first = {n: p.grad.copy() for n, p in model.named_parameters()}
    assert all(np.abs(g).sum() > 0 for g in first.values())
    grads = [p.grad for p in model.parameters()]
    loss(model(x), t)
    model.backward(loss.backward())
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad, 2 * first[name], rtol=1e-6)
        assert p.grad.shape == p.data.shape and p.grad.dtype == p.data.dtype
    model.zero_grad()
    assert all((p.grad == 0).all() for p in model.parameters())
    assert all(a is b for a, b in zip(grads, [p.grad for p in model.parameters()], strict=True))


def test_a_product_after_zero_grad_is_written_over_the_gradient_not_added():
    """zero_grad marks the gradient as zero; Linear then writes x^T delta straight into it, and any
    other reader (a layer adding, the optimizer, the user) sees zeros plus what was added."""
    layer = nn.Linear(4, 3, rng=np.random.default_rng(0), dtype=np.float64)
    x, dout = np.random.default_rng(1).standard_normal((5, 4)), np.ones((5, 3))
    layer(x)
    layer.backward(dout)
    weight_grad = layer.weight.grad
    weight_grad += 100.0                                 # stale values a zero_grad must hide
    layer.bias.grad[...] = 100.0
    layer.zero_grad()
    assert layer.weight.grad_target() == (weight_grad, False)   # written over, same array
    assert layer.weight.grad_target()[1] is True                 # from then on, added to
    layer.zero_grad()
    layer(x)
    layer.backward(dout)
    np.testing.assert_allclose(layer.weight.grad, x.T @ dout)
    np.testing.assert_allclose(layer.bias.grad, dout.sum(axis=0))
    assert layer.weight.grad is weight_grad
    layer.zero_grad()
    np.testing.assert_array_equal(layer.weight.grad, 0)   # read without a backward: zeros


def test_train_and_eval_reach_every_module():
    model = mlp(batchnorm=True, dropout=0.5)
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    x = data()
    np.testing.assert_array_equal(model(x), model(x))  # dropout off, running statistics used
    assert int(model.layers[1].num_batches_tracked) == 0
    assert model.train() is model
    assert all(m.training for m in model.modules())
    assert not np.array_equal(model(x), model(x))  # dropout draws a new mask each call
    assert int(model.layers[1].num_batches_tracked) == 2


# ---- summary ----------------------------------------------------------------------------------
def test_summary_table():
    model = mlp(batchnorm=True, dropout=0.1)
    model.train()
    state = {k: v.copy() for k, v in model.state_dict().items()}
    table = model.summary((6,))
    assert [r.name for r in table.rows] == [
        "flatten", "layers.0", "layers.1", "layers.2", "layers.3", "layers.4", "layers.5",
        "layers.6", "layers.7", "layers.8",
    ]
    assert [r.layer for r in table.rows][:5] == [
        "Flatten()", "Linear(6, 8)", "BatchNorm1d(8)", "ReLU()", "Dropout(p=0.1)",
    ]
    assert table.rows[1].output_shape == (None, 8)
    assert table.rows[-1].output_shape == (None, 3)
    assert [r.params for r in table.rows if r.params] == [6 * 8 + 8, 16, 8 * 7 + 7, 14, 7 * 3 + 3]
    assert table.total_params == sum(r.params for r in table.rows) == model.num_parameters()
    assert table.total_macs == 6 * 8 + 8 * 7 + 7 * 3
    text = str(table)
    assert "Linear(6, 8)" in text and f"Total params: {model.num_parameters():,}" in text
    assert len(text.splitlines()) == len(table.rows) + 5
    # Summarizing changes nothing: modes and running statistics are as before.
    assert all(m.training for m in model.modules())
    for name, array in model.state_dict().items():
        np.testing.assert_array_equal(array, state[name])


def test_summary_function_with_image_input():
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 5))
    table = nn.summary(model, (3, 2, 2))
    assert [r.output_shape for r in table.rows] == [(None, 12), (None, 5)]
    assert table.total_params == 65


# ---- dtype ------------------------------------------------------------------------------------
def test_to_float64_and_back():
    model = mlp(batchnorm=True)
    x = data()
    y32 = model.eval()(x)
    assert y32.dtype == np.float32
    assert model.to(np.float64) is model
    for p in model.parameters():
        assert p.data.dtype == np.float64 and p.grad.dtype == np.float64
    assert model.layers[1].running_mean.dtype == np.float64
    assert model.layers[1].num_batches_tracked.dtype == np.int64  # integers stay integers
    y64 = model(x.astype(np.float64))
    assert y64.dtype == np.float64
    np.testing.assert_allclose(y64, y32, rtol=1e-5, atol=1e-6)
    model.to(np.float32)
    assert all(p.data.dtype == np.float32 for p in model.parameters())
    np.testing.assert_array_equal(model(x), y32)


def test_dtype_is_kept_end_to_end():
    for dtype in (np.float32, np.float64):
        model = mlp(dtype=dtype, batchnorm=True, dropout=0.2)
        loss = nn.CrossEntropyLoss()
        y = model(data(dtype=dtype))
        assert y.dtype == dtype
        loss(y, np.arange(10) % 3)
        dy = loss.backward()
        assert dy.dtype == dtype
        assert model.backward(dy).dtype == dtype
        assert all(p.grad.dtype == dtype for p in model.parameters())


# ---- Sequential -------------------------------------------------------------------------------
class Recorder(nn.Module):
    """Adds ``k`` in forward, multiplies the gradient by ``k`` in backward, and logs both."""

    def __init__(self, k, log):
        super().__init__()
        self.k, self.log = k, log

    def forward(self, x):
        self.log.append(("forward", self.k, x.copy()))
        self._cache = True
        return x + self.k

    def backward(self, dout):
        self.saved()
        self.log.append(("backward", self.k, dout.copy()))
        return dout * self.k


def test_sequential_runs_forward_in_order_and_backward_in_reverse():
    log = []
    seq = nn.Sequential(Recorder(2, log), Recorder(3, log), Recorder(5, log))
    assert len(seq) == 3 and seq[1].k == 3 and [m.k for m in seq] == [2, 3, 5]
    y = seq(np.zeros(2))
    np.testing.assert_array_equal(y, [10.0, 10.0])
    dx = seq.backward(np.ones(2))
    np.testing.assert_array_equal(dx, [30.0, 30.0])
    assert [(kind, k) for kind, k, _ in log] == [
        ("forward", 2), ("forward", 3), ("forward", 5), ("backward", 5), ("backward", 3), ("backward", 2),
    ]
    # Each backward receives what the later layer returned.
    np.testing.assert_array_equal(log[4][2], [5.0, 5.0])
    np.testing.assert_array_equal(log[5][2], [15.0, 15.0])


def test_sequential_backward_equals_the_chain_rule_of_its_layers():
    rng = np.random.default_rng(2)
    a, b = nn.Linear(4, 5, rng=rng, dtype=np.float64), nn.Linear(5, 2, rng=rng, dtype=np.float64)
    seq = nn.Sequential(a, nn.Tanh(), b)
    x = rng.standard_normal((3, 4))
    dout = rng.standard_normal((3, 2))
    seq(x)
    dx = seq.backward(dout)
    h = np.tanh(x @ a.weight.data + a.bias.data)
    np.testing.assert_allclose(b.weight.grad, h.T @ dout, rtol=1e-12)
    dh = dout @ b.weight.data.T * (1 - h**2)
    np.testing.assert_allclose(a.weight.grad, x.T @ dh, rtol=1e-12)
    np.testing.assert_allclose(dx, dh @ a.weight.data.T, rtol=1e-12)


# ---- interop with PyTorch ---------------------------------------------------------------------
def test_sequential_to_torch_and_back():
    rng = np.random.default_rng(4)
    model = nn.Sequential(nn.Linear(6, 8, rng=rng), nn.ReLU(), nn.Linear(8, 3, rng=rng))
    torch_model = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    state = to_torch_state_dict(model)
    assert state["0.weight"].shape == (8, 6)  # torch's (out, in)
    torch_model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    x = data(5)
    with torch.no_grad():
        expected = torch_model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model(x), expected, rtol=1e-5, atol=1e-6)

    fresh = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))
    from_torch_state_dict(fresh, torch_model.state_dict())
    for name, array in fresh.state_dict().items():
        np.testing.assert_array_equal(array, model.state_dict()[name])


def test_mlp_with_batchnorm_to_torch_and_back():
    model = mlp(6, batchnorm=True)
    model.train()
    for seed in range(3):
        model(data(seed))
    model.eval()
    torch_model = torch.nn.Module()
    torch_model.layers = torch.nn.Sequential(
        torch.nn.Linear(6, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU(),
        torch.nn.Linear(8, 7), torch.nn.BatchNorm1d(7), torch.nn.ReLU(), torch.nn.Linear(7, 3),
    )
    torch_model.load_state_dict({k: torch.from_numpy(v) for k, v in to_torch_state_dict(model).items()})
    torch_model.eval()
    x = data(8)
    with torch.no_grad():
        expected = torch_model.layers(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model(x), expected, rtol=1e-5, atol=1e-5)
    assert int(torch_model.layers[1].num_batches_tracked) == 3

    back = mlp(9, batchnorm=True)
    from_torch_state_dict(back, torch_model.state_dict())
    for name, array in back.state_dict().items():
        np.testing.assert_array_equal(array, model.state_dict()[name])
    np.testing.assert_array_equal(back.eval()(x), model(x))


# ---- only layers in a Module tree ---------------------------------------------------------------
def test_sequential_of_a_list_is_a_type_error_that_says_to_unpack():
    with pytest.raises(TypeError, match=r"write nn\.Sequential\(\*layers\)") as e:
        nn.Sequential([nn.Linear(4, 3), nn.ReLU()])
    assert isinstance(e.value, ModuleTypeError)


@pytest.mark.parametrize(("bad", "words"), [
    ("relu", [r"argument 1 is str 'relu'", r"nn\.ReLU\(\)"]),
    (nn.ReLU, [r"argument 1 is the class ReLU", "parentheses"]),
    (np.tanh, ["argument 1", "a function is not a layer"]),
    (3, ["argument 1 is int 3", r"nn\.Linear\(4, 3\)"]),
    ([nn.ReLU()], ["argument 1 is list", r"nn\.Sequential\(\*layers"]),
])
def test_sequential_names_the_position_and_type_of_a_non_layer(bad, words):
    with pytest.raises(ModuleTypeError) as e:
        nn.Sequential(nn.Linear(4, 3), bad)
    for word in words:
        assert re.search(word, str(e.value)), str(e.value)


@pytest.mark.parametrize("container", [list, tuple, lambda layers: dict(enumerate(layers))])
def test_a_container_of_layers_assigned_to_an_attribute_is_refused(container):
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = container([nn.Linear(2, 2), nn.ReLU()])

    with pytest.raises(TypeError, match=r"Net\.blocks: .*nn\.Sequential\(\*layers\).*nn\.ModuleList"):
        Net()


def test_a_list_of_parameters_is_refused_too():
    layer = nn.Linear(2, 2)
    with pytest.raises(ModuleTypeError, match="list of Parameters would not be registered"):
        layer.extra = [nn.Parameter(np.zeros(2))]


def test_containers_without_layers_are_plain_attributes():
    layer = nn.Linear(2, 2)
    layer.sizes, layer.pair, layer.options = [2, 3], (np.zeros(2), np.ones(2)), {"a": 1}
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]


def test_module_list_registers_its_layers_but_does_not_run_them():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])

        def forward(self, x):
            for block in self.blocks:
                x = block(x)
            return x

    net = Net()
    assert [n for n, _ in net.named_parameters()][:2] == ["blocks.0.weight", "blocks.0.bias"]
    assert len(net.blocks) == 3 and net.num_parameters() == 18
    assert net(np.ones((1, 2), np.float32)).shape == (1, 2)
    net.blocks.append(nn.ReLU())
    assert len(net.blocks) == 4
    with pytest.raises(StateError, match="no forward"):
        net.blocks(np.ones((1, 2), np.float32))
    with pytest.raises(ModuleTypeError, match="argument 0 is str"):
        nn.ModuleList(["relu"])


def test_residual_is_built_from_channel_counts_not_layers():
    with pytest.raises(TypeError, match=r"Residual: in_channels must be a channel count, got Linear"):
        nn.Residual(nn.Linear(4, 4), 4)
    with pytest.raises(ConfigError, match=r"out_channels must be a positive int, got 0"):
        nn.Residual(4, 0)


# ---- the book's names -------------------------------------------------------------------------
@pytest.mark.parametrize("layer", [nn.Linear(3, 2), nn.Conv2d(1, 2, 3)], ids=["Linear", "Conv2d"])
def test_book_aliases_are_the_same_arrays(layer):
    assert layer.W is layer.weight.data and layer.b is layer.bias.data
    assert layer.dW is layer.weight.grad and layer.db is layer.bias.grad
    layer.weight.grad[...] = 1.0
    before = layer.weight.data.copy()
    layer.W -= 0.5 * layer.dW            # the book's update, in place
    np.testing.assert_array_equal(layer.weight.data, before - 0.5)
    assert layer.W is layer.weight.data
    with pytest.raises(AttributeError, match="read-only"):
        layer.W = np.zeros_like(before)


def test_book_alias_of_a_missing_bias_says_so():
    layer = nn.Linear(3, 2, bias=False)
    with pytest.raises(AttributeError, match="has no bias, so no b"):
        _ = layer.b
    with pytest.raises(AttributeError, match="no attribute 'Wx'"):
        _ = layer.Wx


def test_a_module_of_ones_own_may_use_the_book_names():
    class Affine(nn.Module):
        def __init__(self):
            super().__init__()
            self.W, self.b = np.ones((2, 2)), np.zeros(2)

    layer = Affine()
    assert layer.W.shape == (2, 2) and layer.b.shape == (2,)


# ---- summary prints and returns -----------------------------------------------------------------
def test_summary_prints_the_table_and_returns_it(capsys):
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
    table = model.summary((4,))
    printed = capsys.readouterr().out
    assert printed.strip() == str(table) == repr(table)
    assert "Linear(4, 3)" in printed and "Total params: 15" in printed
    quiet = nn.summary(model, (4,), verbose=False)
    assert capsys.readouterr().out == "" and quiet.total_params == 15
