"""Weights saved by ``scratchdl train`` load into the equivalent PyTorch model through safetensors
and ``scratchdl.interop``, and give the same predictions; and back."""

import numpy as np
import pytest
import torch
from safetensors.numpy import load_file
from safetensors.torch import save_file
from test_zoo import torch_twin

from scratchdl import checkpoint, data, interop
from scratchdl.cli import main

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("zoo") / "run"
    assert main(["train", "--model", "simple_cnn", "--epochs", "2", "--out", str(out), "--no-progress"]) == 0
    return out


def test_scratchdl_checkpoint_predicts_the_same_in_pytorch(run_dir):
    model = checkpoint.load_model(run_dir)
    twin = torch_twin(model).eval()
    twin.load_state_dict({k: torch.from_numpy(v) for k, v in interop.to_torch_state_dict(model).items()})
    test = data.load("digits", split="test")
    with torch.no_grad():
        theirs = twin(torch.from_numpy(test.x)).numpy()
    ours = model(test.x)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-4)
    assert (ours.argmax(1) == theirs.argmax(1)).mean() > 0.99


def test_the_safetensors_file_holds_the_same_names_as_pytorch(run_dir):
    weights = load_file(str(run_dir / checkpoint.read_meta(run_dir)["weights"]["file"]))
    twin = torch_twin(checkpoint.load_model(run_dir))
    assert set(weights) == set(twin.state_dict())


def test_pytorch_weights_come_back_through_safetensors(run_dir, tmp_path):
    model = checkpoint.load_model(run_dir)
    twin = torch_twin(model).eval()
    torch.manual_seed(0)
    for p in twin.parameters():
        torch.nn.init.normal_(p, std=0.1)
    save_file(twin.state_dict(), str(tmp_path / "torch.safetensors"))
    interop.from_torch_state_dict(model, load_file(str(tmp_path / "torch.safetensors")))
    checkpoint.save(tmp_path / "back", model, meta=checkpoint.read_meta(run_dir) | {"global_step": 0})
    back = checkpoint.load_model(tmp_path / "back")
    x = data.load("digits", split="test").x[:50]
    with torch.no_grad():
        np.testing.assert_allclose(back(x), twin(torch.from_numpy(x)).numpy(), rtol=1e-4, atol=1e-5)
