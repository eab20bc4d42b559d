"""Leaving the page: the current setting "as a command" (a ``scratchdl train`` line) and "as
Python" (a short script over ``scratchdl.nn``, ``scratchdl.optim`` and ``scratchdl.data``).

Both build the network the page trains -- the same layers, the same initial weights (drawn from
``numpy.random.default_rng(seed)`` layer by layer, which is also what ``scratchdl train --seed``
draws from) and the same batches -- and train it for the epochs the page has run (100 before the
first). A learning rate or batch size changed during a run (``Session.changed_live_at``) is taken
from the start, and the page says so. ``scratchdl train`` loads datasets by name with their
default noise and 20% test split; a setting with another noise or split is written as a ``.npz``
file of the very points on the page (``data_npz``), which the command names
(``--dataset playground-spiral.npz``).
"""

from __future__ import annotations

import io
import shlex

import numpy as np

from ..data import DATASETS as REGISTRY
from . import schema

DEFAULT_EPOCHS = 100
DEFAULT_SPLIT = 0.2


def needs_npz(settings: dict) -> bool:
    """Whether ``scratchdl train --dataset NAME`` would generate other points than the page's."""
    return (settings["noise"] != schema.default_noise(settings["dataset"])
            or settings["test_fraction"] != DEFAULT_SPLIT)


def npz_name(settings: dict) -> str:
    return f"playground-{settings['dataset']}.npz"


def command(settings: dict, epochs: int) -> str:
    """The ``scratchdl train`` line that trains the page's network for ``epochs`` (or 100) epochs."""
    s = settings
    words = ["scratchdl", "train", "--model", "mlp", "--hidden", ",".join(map(str, s["hidden"])),
             "--activation", s["activation"], "--init", schema.INITIALIZERS[s["init"]],
             "--dataset", npz_name(s) if needs_npz(s) else s["dataset"],
             "--optimizer", s["optimizer"], "--lr", repr(s["lr"]), "--batch-size", str(s["batch_size"]),
             "--epochs", str(epochs or DEFAULT_EPOCHS), "--scheduler", "none", "--seed", str(s["seed"])]
    if s["batchnorm"]:
        words.append("--batchnorm")
    if s["dropout"]:
        words += ["--dropout", repr(s["dropout"])]
    if s["weight_decay"]:
        words += ["--weight-decay", repr(s["weight_decay"])]
    return shlex.join(words)


def python(settings: dict, epochs: int) -> str:
    """A script that builds and trains the page's network with a plain loop and prints its accuracy."""
    s = settings
    init = schema.INITIALIZERS[s["init"]]
    activation = schema.ACTIVATIONS[s["activation"]].__name__
    layers, fan_in = [], 2
    for width in s["hidden"]:
        layers.append(f"nn.Linear({fan_in}, {width}, init={init!r}, rng=rng),")
        if s["batchnorm"]:
            layers.append(f"nn.BatchNorm1d({width}),")
        layers.append(f"nn.{activation}(),")
        if s["dropout"]:
            layers.append(f"nn.Dropout({s['dropout']!r}, rng=rng),")
        fan_in = width
    classes = REGISTRY[s["dataset"]].num_classes
    layers.append(f"nn.Linear({fan_in}, {classes}, init={init!r}, rng=rng),")
    optimizer = schema.OPTIMIZERS[s["optimizer"]].__name__
    epochs = epochs or DEFAULT_EPOCHS
    body = "\n".join("    " + line for line in layers)
    return f'''"""The playground's network as a plain training loop: {s['dataset']}, hidden layers \
{s['hidden']} of {activation}, {optimizer}."""
import numpy as np

from scratchdl import data, nn, optim

train, test = data.load_splits({s['dataset']!r}, seed={s['seed']}, noise={s['noise']!r}, \
test_fraction={s['test_fraction']!r})
rng = np.random.default_rng({s['seed']})  # the playground's initial weights
model = nn.Sequential(
{body}
)
loss_fn = nn.CrossEntropyLoss()
optimizer = optim.{optimizer}(model.parameters(), lr={s['lr']!r}, weight_decay={s['weight_decay']!r})
loader = data.DataLoader(train, batch_size={s['batch_size']}, shuffle=True, seed={s['seed']})

for epoch in range({epochs}):
    model.train()
    for x, t in loader.epoch(epoch):
        loss = loss_fn(model(x), t)
        optimizer.zero_grad()
        model.backward(loss_fn.backward())
        optimizer.step()

model.eval()
accuracy = (model(test.x).argmax(axis=1) == test.t).mean()
print(f"epoch {epochs}: test accuracy {{accuracy:.4f}}")
'''


def data_npz(train, test) -> bytes:
    """The page's points as a ``.npz`` file that ``scratchdl train --dataset FILE.npz`` reads."""
    buffer = io.BytesIO()
    np.savez(buffer, x_train=train.x, t_train=train.t, x_test=test.x, t_test=test.t,
             classes=np.array(train.classes))
    return buffer.getvalue()
