"""One training session of the playground: plain Python, no server, no browser.

``Session(settings)`` generates the dataset and builds the network the settings describe, from
``scratchdl.data``'s generators, ``scratchdl.nn``'s layers and initializers and
``scratchdl.optim``'s optimizers (looked up in ``schema``'s tables). ``train_epoch()`` runs one
shuffled pass over the training set, exactly the loop a learner writes::

    y = model(x); loss = loss_fn(y, t); optimizer.zero_grad()
    model.backward(loss_fn.backward()); optimizer.step()

and records, per epoch, the train and test loss and accuracy and each Linear layer's mean gradient
norm ``||dL/dW||`` over the epoch's steps. ``frame()`` measures what the page draws
(``views``). A test drives it directly; the server runs one in a background thread.

The same seed gives the same data, the same initial weights (``numpy.random.default_rng(seed)``
drawn layer by layer, as ``scratchdl train --seed`` and the "as Python" script draw them) and
the same batches, so a setting reproduces its run.
"""

from __future__ import annotations

import math

import numpy as np

from ..data import DataLoader
from ..nn import BatchNorm1d, CrossEntropyLoss, Dropout, Linear, Sequential
from . import schema, views

LIVE = frozenset({"lr", "batch_size"})  # settings applied to the running training; the rest rebuild
MAX_HISTORY = 1000


def build_model(settings: dict, num_classes: int, rng: np.random.Generator) -> Sequential:
    """Linear, [BatchNorm1d], activation, [Dropout] per hidden width, then Linear to the class scores
    (the layers of ``scratchdl.models.MLP``)."""
    init = schema.INITIALIZERS[settings["init"]]
    activation = schema.ACTIVATIONS[settings["activation"]]
    layers, fan_in = [], 2
    for width in settings["hidden"]:
        layers.append(Linear(fan_in, width, init=init, rng=rng))
        if settings["batchnorm"]:
            layers.append(BatchNorm1d(width))
        layers.append(activation())
        if settings["dropout"]:
            layers.append(Dropout(settings["dropout"], rng=rng))
        fan_in = width
    layers.append(Linear(fan_in, num_classes, init=init, rng=rng))
    return Sequential(*layers)


def load_data(settings: dict):
    """``(train, test)``: the dataset the settings name, as ``scratchdl.data.load_splits`` gives it."""
    generate = schema.DATASETS[settings["dataset"]]
    options = {key: settings[key] for key in ("seed", "noise", "test_fraction")}
    return generate("train", **options), generate("test", **options)


class Session:
    """A network training on a 2-D dataset, one epoch at a time, with its history.

    Attributes: ``settings`` (checked, complete), ``train_set``, ``test_set``, ``model``,
    ``optimizer``, ``epoch`` (epochs done), ``history`` (one dict per epoch, thinned to at most
    ``MAX_HISTORY`` by dropping every other old one), ``run`` (incremented by every rebuild or
    reset, so a viewer knows to clear its curves), ``diverged`` (the loss became NaN or infinite:
    training stops until a reset), ``data_version`` (incremented when the points change) and
    ``changed_live_at`` (the epoch at which the learning rate or batch size was first changed during
    this run, else None: from then on the run is not the one its settings replay from the start).
    """

    def __init__(self, settings: dict | None = None):
        self.settings = schema.merge(schema.DEFAULTS, settings or {})
        self.run = 0
        self.data_version = 0
        self._load_data()
        self.reset()

    # ---- changing the setting -------------------------------------------------------------
    def update(self, changes: dict) -> dict:
        """Apply a partial settings update (checked by ``schema``); the new settings.

        The learning rate and batch size change the running training; any other change builds
        a new network (and new data when the dataset, noise, split or seed changed).
        """
        new = schema.merge(self.settings, changes)
        changed = {key for key in new if new[key] != self.settings[key]}
        self.settings = new
        if changed & {"dataset", "noise", "test_fraction", "seed"}:
            self._load_data()
        if changed - LIVE:
            self.reset()
        else:
            if changed and self.changed_live_at is None:
                self.changed_live_at = self.epoch
            self.optimizer.lr = new["lr"]
            self.loader = DataLoader(self.train_set, new["batch_size"], shuffle=True, seed=new["seed"])
        return self.settings

    def regenerate(self) -> dict:
        """New data from the next seed, and a new network."""
        return self.update({"seed": (self.settings["seed"] + 1) % (2**31)})

    def reset(self) -> None:
        """The network back to its initial weights (drawn from the seed); history cleared."""
        s = self.settings
        self.model = build_model(s, self.train_set.num_classes, np.random.default_rng(s["seed"]))
        self.loss_fn = CrossEntropyLoss()
        self.optimizer = schema.OPTIMIZERS[s["optimizer"]](self.model.parameters(), lr=s["lr"],
                                                            weight_decay=s["weight_decay"])
        self.loader = DataLoader(self.train_set, s["batch_size"], shuffle=True, seed=s["seed"])
        self.linears = [layer for layer in self.model if isinstance(layer, Linear)]
        self.epoch = 0
        self.diverged = False
        self.changed_live_at = None
        self.history: list[dict] = []
        self.run += 1
        self.history.append(self._record(np.full(len(self.linears), math.nan)))

    def _load_data(self) -> None:
        self.train_set, self.test_set = load_data(self.settings)
        self.data_version += 1

    # ---- training -------------------------------------------------------------------------
    def train_epoch(self) -> dict:
        """One shuffled pass over the training set; the epoch's record (also appended to ``history``)."""
        if self.diverged:
            return self.history[-1]
        with np.errstate(all="ignore"):  # an overflow is shown on the page: the run is marked diverged
            return self._train_epoch()

    def _train_epoch(self) -> dict:
        self.model.train()
        norms, steps = np.zeros(len(self.linears)), 0
        for x, t in self.loader.epoch(self.epoch):
            loss = self.loss_fn(self.model(x), t)
            if not math.isfinite(loss):
                self.diverged = True
                break
            self.optimizer.zero_grad()
            self.model.backward(self.loss_fn.backward())
            norms += [float(np.linalg.norm(layer.weight.grad)) for layer in self.linears]
            steps += 1
            self.optimizer.step()
        self.epoch += 1
        record = self._record(norms / max(steps, 1) if steps else np.full(len(self.linears), math.nan))
        if record["train_loss"] is None:
            self.diverged = True
        self.history.append(record)
        if len(self.history) > MAX_HISTORY:
            self.history = self.history[::-2][::-1]  # every other record, the newest kept
        return record

    def _record(self, grad_norms) -> dict:
        """Loss and accuracy on both splits (evaluation mode) and the gradient norms, JSON-ready."""
        self.model.eval()
        record = {"epoch": self.epoch}
        for name, ds in (("train", self.train_set), ("test", self.test_set)):
            with np.errstate(all="ignore"):
                scores = self.model(ds.x)
                loss = float(self.loss_fn(scores, ds.t))
            record[f"{name}_loss"] = _finite(loss)
            record[f"{name}_accuracy"] = float(np.mean(scores.argmax(axis=1) == ds.t))
        record["grad_norms"] = [_finite(float(g)) for g in grad_norms]
        self.model.train()
        return record

    # ---- what the page shows --------------------------------------------------------------
    def frame(self, units: bool = True) -> dict:
        """The current state as the page draws it: latest record, decision boundary, per-layer
        statistics and (``units``) every hidden unit's map; see ``views``."""
        with np.errstate(all="ignore"):
            return self._frame(units)

    def _frame(self, units: bool) -> dict:
        frame = {"run": self.run, "epoch": self.epoch, "diverged": self.diverged,
                 "data_version": self.data_version, "latest": self.history[-1],
                 "boundary": views.boundary(self.model, self.extent),
                 "layers": views.layer_stats(self.model, self.train_set.x, self.linears,
                                             self.history[-1]["grad_norms"])}
        if units:
            frame["units"] = views.unit_maps(self.model, self.extent)
        return frame

    @property
    def extent(self) -> float:
        """Half the side of the square the page shows: every point inside, with a margin."""
        largest = max(float(np.abs(self.train_set.x).max()), float(np.abs(self.test_set.x).max()), 1.0)
        return math.ceil(largest * 1.1 * 2) / 2

    def points(self) -> dict:
        """The training and test points (rounded) and class names, for the page."""
        return {"data_version": self.data_version, "extent": self.extent,
                "classes": list(self.train_set.classes),
                "train": _points(self.train_set), "test": _points(self.test_set)}

    def layer_names(self) -> list[dict]:
        """One entry per Linear layer (the rows of the gradient panel): its shape and kind."""
        rows = []
        for i, layer in enumerate(self.linears):
            last = i == len(self.linears) - 1
            rows.append({"index": i, "in": layer.in_features, "out": layer.out_features, "output": last,
                         "activation": None if last else type(self._activation_after(layer)).__name__})
        return rows

    def _activation_after(self, linear):
        layers = list(self.model)
        for layer in layers[layers.index(linear) + 1:]:
            if isinstance(layer, tuple(schema.ACTIVATIONS.values())):
                return layer
        return None


def _points(ds) -> dict:
    return {"x": np.round(ds.x.astype(np.float64), 4).tolist(), "t": ds.t.tolist()}


def _finite(value: float):
    """``value``, or None when it is NaN or infinite (JSON has neither)."""
    return value if math.isfinite(value) else None
