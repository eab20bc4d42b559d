"""Checkpoints: exact round trip, atomic writes, clear errors for broken or foreign folders."""

import json
import re

import numpy as np
import pytest

from scratchdl import checkpoint, nn, optim
from scratchdl.errors import CheckpointError
from scratchdl.models import MLP


def trained(seed=0):
    rng = np.random.default_rng(seed)
    model = MLP([4, 8, 3], batchnorm=True, rng=rng)
    opt = optim.Adam(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    x, t = rng.standard_normal((16, 4)).astype(np.float32), rng.integers(0, 3, 16)
    for _ in range(3):
        opt.zero_grad()
        loss_fn(model(x), t)
        model.backward(loss_fn.backward())
        opt.step()
    return model, opt


def meta():
    return {"model": {"name": "mlp", "config": {"sizes": [4, 8, 3], "batchnorm": True}},
            "global_step": 3, "dtype": "float32"}


def test_round_trip_is_exact(tmp_path):
    model, opt = trained()
    sched = optim.StepLR(opt, step_size=2)
    sched.step()
    checkpoint.save(tmp_path, model, opt, sched, meta())
    ckpt = checkpoint.load(tmp_path)
    model2 = checkpoint.build_model(ckpt.meta)
    opt2 = optim.Adam(model2.parameters(), lr=0.5)
    sched2 = optim.StepLR(opt2, step_size=2)
    checkpoint.restore(ckpt, model2, opt2, sched2)
    for (name, a), (_, b) in zip(model.state_dict().items(), model2.state_dict().items(), strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b), name
    assert opt2.t == opt.t and opt2.lr == opt.lr and sched2.last_epoch == 1
    for s1, s2 in zip(opt.state, opt2.state, strict=True):
        for key in s1:
            assert np.array_equal(s1[key], s2[key])


def test_weights_use_pytorch_names_in_safetensors(tmp_path):
    from safetensors.numpy import load_file

    model, opt = trained()
    checkpoint.save(tmp_path, model, opt, meta=meta())
    record = json.loads((tmp_path / "checkpoint.json").read_text())
    weights = load_file(str(tmp_path / record["weights"]["file"]))
    assert set(weights) == set(model.state_dict())
    assert "layers.0.weight" in weights and "layers.1.running_var" in weights


def test_saving_again_replaces_files_and_leaves_no_temporaries(tmp_path):
    model, opt = trained()
    checkpoint.save(tmp_path, model, opt, meta=meta())
    checkpoint.save(tmp_path, model, opt, meta={**meta(), "global_step": 7})
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["checkpoint.json", "model-000000007.safetensors", "optimizer-000000007.safetensors"]


def test_load_model_gives_same_predictions(tmp_path):
    model, opt = trained()
    checkpoint.save(tmp_path, model, opt, meta=meta())
    x = np.random.default_rng(5).standard_normal((6, 4)).astype(np.float32)
    np.testing.assert_array_equal(checkpoint.load_model(tmp_path)(x), model.eval()(x))


@pytest.mark.parametrize("damage, message", [
    ("truncate-weights", "corrupted or truncated"),
    ("flip-weights", "corrupted or truncated"),
    ("delete-weights", "is missing"),
    ("garbage-json", "not valid JSON"),
    ("foreign-json", "not a scratchdl checkpoint"),
])
def test_damaged_checkpoints_raise_clear_errors(tmp_path, damage, message):
    model, opt = trained()
    checkpoint.save(tmp_path, model, opt, meta=meta())
    record = json.loads((tmp_path / "checkpoint.json").read_text())
    weights = tmp_path / record["weights"]["file"]
    if damage == "truncate-weights":
        weights.write_bytes(weights.read_bytes()[:50])
    elif damage == "flip-weights":
        raw = bytearray(weights.read_bytes())
        raw[-1] ^= 0xFF
        weights.write_bytes(bytes(raw))
    elif damage == "delete-weights":
        weights.unlink()
    elif damage == "garbage-json":
        (tmp_path / "checkpoint.json").write_bytes(b"\x00\x01{not json")
    else:
        (tmp_path / "checkpoint.json").write_text('{"hello": "world"}')
    with pytest.raises(CheckpointError, match=message):
        checkpoint.load(tmp_path)


def test_not_a_checkpoint_folder(tmp_path):
    with pytest.raises(CheckpointError, match="not a scratchdl checkpoint"):
        checkpoint.load(tmp_path)
    with pytest.raises(CheckpointError, match="not a folder"):
        checkpoint.load(tmp_path / "nowhere")


def test_weights_that_do_not_fit_the_model(tmp_path):
    model, opt = trained()
    checkpoint.save(tmp_path, model, opt, meta=meta())
    ckpt = checkpoint.load(tmp_path)
    with pytest.raises(CheckpointError, match="do not fit"):
        checkpoint.restore(ckpt, MLP([4, 9, 3]))


# ---- the folder or its checkpoint.json, everywhere ------------------------------------------------
def test_load_of_what_save_returns(tmp_path):
    model, opt = trained()
    path = checkpoint.save(tmp_path / "myckpt", model, opt, meta=meta())
    assert path == tmp_path / "myckpt" / "checkpoint.json"
    for given in (path, str(path), path.parent):
        assert checkpoint.is_checkpoint(given)
        assert checkpoint.read_meta(given)["global_step"] == 3
        ckpt = checkpoint.load(given)
        assert ckpt.folder == path.parent and set(ckpt.model_state) == set(model.state_dict())
        x = np.ones((2, 4), np.float32)
        np.testing.assert_array_equal(checkpoint.load_model(given)(x), model.eval()(x))
        twin, opt2 = MLP([4, 8, 3], batchnorm=True), None
        opt2 = optim.Adam(twin.parameters())
        checkpoint.restore(given, twin, opt2)  # restore takes a path too
        np.testing.assert_array_equal(twin.eval()(x), model.eval()(x))
        assert opt2.t == opt.t
    assert checkpoint.save(path, model, meta=meta()) == path  # saving "into" checkpoint.json: its folder


def test_a_file_that_is_not_checkpoint_json(tmp_path):
    other = tmp_path / "weights.npz"
    other.write_bytes(b"")
    with pytest.raises(CheckpointError, match="is not a folder but a file"):
        checkpoint.load(other)
    assert not checkpoint.is_checkpoint(other) and not checkpoint.is_checkpoint(tmp_path / "checkpoint.json")


def test_load_model_of_a_hand_built_model_says_to_restore(tmp_path):
    net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    path = checkpoint.save(tmp_path / "mine", net, optim.SGD(net.parameters()))
    with pytest.raises(CheckpointError) as e:
        checkpoint.load_model(path)
    message = str(e.value)
    assert "hand-built model" in message and "unknown model None" not in message
    assert f"checkpoint.restore(checkpoint.load({str(tmp_path / 'mine')!r}), model)" in message
    twin = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    checkpoint.restore(checkpoint.load(tmp_path / "mine"), twin)  # ... and doing what it says works
    x = np.ones((2, 4), np.float32)
    np.testing.assert_array_equal(twin(x), net(x))


def test_checkpoint_repr_summarizes_without_the_numbers(tmp_path):
    model, opt = trained()
    model.layers[0].weight.data[...] = 0.123456
    checkpoint.save(tmp_path, model, opt, meta={**meta(), "epoch": 2})
    text = repr(checkpoint.load(tmp_path))
    assert text.startswith(f"Checkpoint({str(tmp_path)!r}, mlp, epoch 2, step 3, ")
    assert re.search(r"layers\.0\.weight +\(4, 8\) +float32", text) and "optimizer Adam, step 3" in text
    assert "0.123" not in text and len(text.splitlines()) <= checkpoint.REPR_ARRAYS + 3
    big = nn.Sequential(*[nn.Linear(2, 2) for _ in range(10)])
    checkpoint.save(tmp_path / "big", big)
    text = repr(checkpoint.load(tmp_path / "big"))
    assert "hand-built model" in text and "... and 8 more arrays" in text


def test_the_input_shape_a_checkpoint_records():
    from scratchdl.checkpoint import input_shape

    model = {"name": "mlp", "config": {"input_shape": [1, 8, 8]}}
    # the data's shape first
    assert input_shape({"dataset": {"input_shape": [3, 4, 5]}, "model": model}) == (3, 4, 5)
    assert input_shape({"dataset": {"name": "digits"}, "model": model}) == (1, 8, 8)
    assert input_shape({"model": model}) == (1, 8, 8)
    assert input_shape({"dataset": None, "model": {"name": "mlp", "config": None}}) is None
    assert input_shape({"model": {"name": "mlp"}}) is None
