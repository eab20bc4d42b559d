"""A real signal to a training subprocess at a random step, then ``--resume``: the weights end
bit-identical to an uninterrupted run, and the checkpoint on disk always loads."""

import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from safetensors.numpy import load_file

from scratchdl import checkpoint

TRAIN = ["--model", "mlp", "--hidden", "32", "--epochs", "4", "--batch-size", "16", "--seed", "5",
         "--dropout", "0.1", "--no-progress"]


def scratchdl(*args, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "scratchdl.cli", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def final_weights(folder):
    return load_file(str(folder / checkpoint.read_meta(folder)["weights"]["file"]))


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "run"
    proc = scratchdl("train", *TRAIN, "--out", out)
    assert proc.wait(timeout=300) == 0, proc.stderr.read()
    return final_weights(out)


def interrupt_at_random_step(out, sig, rng):
    """Start training with a checkpoint after every step, wait until it has made some progress,
    then send ``sig`` at a random moment."""
    proc = scratchdl("train", *TRAIN, "--out", out, "--checkpoint-every", "1")
    deadline = time.monotonic() + 120
    while not (out / "checkpoint.json").exists():
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(rng.uniform(0.0, 1.0))
    proc.send_signal(sig)
    proc.wait(timeout=120)
    return proc


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_interrupt_then_resume_is_bit_identical(tmp_path, reference, sig):
    rng = random.Random(int.from_bytes(os.urandom(4), "little"))
    out = tmp_path / "run"
    proc = interrupt_at_random_step(out, sig, rng)
    meta = checkpoint.read_meta(out)  # whatever the moment, the checkpoint on disk loads
    checkpoint.load(out)
    if sig == signal.SIGINT and not meta["finished"]:
        assert proc.returncode == 130
        assert "Traceback" not in proc.stderr.read()
    resumed = scratchdl("train", "--resume", out)
    assert resumed.wait(timeout=300) == 0, resumed.stderr.read()
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    weights = final_weights(out)
    assert weights.keys() == reference.keys()
    for name in reference:
        assert np.array_equal(weights[name], reference[name]), name
