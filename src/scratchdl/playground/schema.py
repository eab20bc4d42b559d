"""The playground's settings and control messages: what the page may send, checked before use.

A request body is JSON, at most ``MAX_BODY`` bytes, holding an object. Each key must be one of
``FIELDS`` (any other is refused), each value of the field's kind and inside its bounds; a choice
(dataset, activation, initializer, optimizer) is looked up in a fixed table that maps the name to
what builds it (``DATASETS``, ``ACTIVATIONS``, ``INITIALIZERS``, ``OPTIMIZERS``). Nothing the page
sends is evaluated, imported or looked up as an attribute. A bad message raises ``ConfigError``
with one line saying which key, what is allowed and what was given; the server answers it with
400 and the training goes on.

``validate_settings(body)`` checks a partial update (any subset of the fields);
``merge(current, changes)`` applies one: a new dataset without a noise brings that dataset's own
default noise. ``validate_control(body)`` checks ``{"action": ...}``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from .. import optim
from ..data import DATASETS as REGISTRY
from ..data import synthetic
from ..errors import ConfigError
from ..nn import GELU, LeakyReLU, ReLU, Sigmoid, Tanh

MAX_BODY = 16 * 1024

# name on the page -> the generator (each also registered in scratchdl.data under the same name)
DATASETS = {"spiral": synthetic.spiral, "xor": synthetic.xor, "circles": synthetic.circles,
            "gaussians": synthetic.gaussians}
ACTIVATIONS = {"sigmoid": Sigmoid, "tanh": Tanh, "relu": ReLU, "leaky_relu": LeakyReLU, "gelu": GELU}
# name on the page -> scratchdl.nn.init's name for it (also what `scratchdl train --init` takes)
INITIALIZERS = {"normal:1": "normal:1", "normal:0.01": "normal:0.01", "xavier": "xavier",
                "he": "he_normal"}
OPTIMIZERS = {"sgd": optim.SGD, "momentum": optim.Momentum, "adagrad": optim.AdaGrad,
              "rmsprop": optim.RMSProp, "adam": optim.Adam}
ACTIONS = ("play", "pause", "step", "reset", "regenerate")

MAX_LAYERS, MAX_WIDTH = 8, 64


@dataclass(frozen=True)
class Field:
    """One setting: its kind (``choice``, ``int``, ``number``, ``bool``, ``widths``) and bounds."""

    kind: str
    low: float = 0
    high: float = 0
    choices: tuple = ()

    def check(self, key: str, value):
        """``value`` if it is allowed for ``key``, else a ConfigError of one line."""
        if self.kind == "choice":
            if not isinstance(value, str) or value not in self.choices:
                raise ConfigError(f"{key}: unknown value {_show(value)}; valid: {', '.join(self.choices)}")
            return value
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise ConfigError(f"{key}: expected true or false, got {_show(value)}")
            return value
        if self.kind == "widths":
            if not isinstance(value, list) or not 1 <= len(value) <= MAX_LAYERS:
                raise ConfigError(f"{key}: expected a list of 1 to {MAX_LAYERS} layer widths, "
                                  f"got {_show(value)}")
            return [Field("int", 1, MAX_WIDTH).check(f"{key}[{i}]", v) for i, v in enumerate(value)]
        integer = self.kind == "int"
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or (integer and not isinstance(value, int)) or not math.isfinite(value) \
                or not self.low <= value <= self.high:
            noun = "an integer" if integer else "a number"
            raise ConfigError(f"{key}: expected {noun} in [{self.low:g}, {self.high:g}], got {_show(value)}")
        return int(value) if integer else float(value)

    def describe(self) -> dict:
        """The field for the page, which builds its controls from it."""
        if self.kind == "choice":
            return {"kind": "choice", "choices": list(self.choices)}
        if self.kind == "widths":
            return {"kind": "widths", "max_layers": MAX_LAYERS, "low": 1, "high": MAX_WIDTH}
        return {"kind": self.kind, "low": self.low, "high": self.high}


FIELDS = {
    "dataset": Field("choice", choices=tuple(DATASETS)),
    "noise": Field("number", 0.0, 1.0),
    "test_fraction": Field("number", 0.1, 0.9),
    "seed": Field("int", 0, 2**31 - 1),
    "hidden": Field("widths"),
    "activation": Field("choice", choices=tuple(ACTIVATIONS)),
    "init": Field("choice", choices=tuple(INITIALIZERS)),
    "optimizer": Field("choice", choices=tuple(OPTIMIZERS)),
    "lr": Field("number", 1e-5, 10.0),
    "batch_size": Field("int", 1, 512),
    "batchnorm": Field("bool"),
    "dropout": Field("number", 0.0, 0.9),
    "weight_decay": Field("number", 0.0, 1.0),
}

# Spiral with Adam: above 90% test accuracy within a few hundred epochs.
DEFAULTS = {"dataset": "spiral", "noise": REGISTRY["spiral"].options["noise"], "test_fraction": 0.2,
            "seed": 0, "hidden": [16, 16], "activation": "tanh", "init": "xavier", "optimizer": "adam",
            "lr": 0.01, "batch_size": 10, "batchnorm": False, "dropout": 0.0, "weight_decay": 0.0}


def default_noise(dataset: str) -> float:
    """The noise ``scratchdl.data`` generates ``dataset`` with by default."""
    return float(REGISTRY[dataset].options["noise"])


def parse_body(body: bytes) -> dict:
    """The JSON object in ``body``, or a ConfigError (too long, not UTF-8 JSON, not an object)."""
    if len(body) > MAX_BODY:
        raise ConfigError(f"request body is {len(body)} bytes; the limit is {MAX_BODY}")
    try:
        value = json.loads(body.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ConfigError(f"request body is not valid JSON: {str(e).splitlines()[0]}") from None
    except RecursionError:
        raise ConfigError("request body is not valid JSON for a setting: nested too deeply") from None
    if not isinstance(value, dict):
        raise ConfigError(f"request body must be a JSON object, got {type(value).__name__}")
    return value


def validate_settings(changes: dict) -> dict:
    """The checked values of a partial settings update (a dict of some of ``FIELDS``)."""
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise ConfigError(f"unknown setting {_show(unknown[0])}; valid: {', '.join(FIELDS)}")
    return {key: FIELDS[key].check(key, value) for key, value in changes.items()}


def merge(current: dict, changes: dict) -> dict:
    """``current`` updated by the checked ``changes``; a new dataset brings its default noise."""
    merged = {**current, **validate_settings(changes)}
    if "dataset" in changes and "noise" not in changes and changes["dataset"] != current.get("dataset"):
        merged["noise"] = default_noise(merged["dataset"])
    return merged


def validate_control(body: dict) -> str:
    """The action of a control message ``{"action": "play"}``."""
    unknown = sorted(set(body) - {"action"})
    if unknown:
        raise ConfigError(f"unknown key {_show(unknown[0])}; a control message holds only 'action'")
    if "action" not in body:
        raise ConfigError(f"missing 'action'; valid: {', '.join(ACTIONS)}")
    return Field("choice", choices=ACTIONS).check("action", body["action"])


def describe() -> dict:
    """Every field's kind and bounds, the defaults and each dataset's default noise, for the page."""
    return {"fields": {key: field.describe() for key, field in FIELDS.items()}, "defaults": DEFAULTS,
            "default_noise": {name: default_noise(name) for name in DATASETS}}


def _refuse_constant(name: str):
    raise ConfigError(f"request body is not valid JSON: {name} is not a number JSON allows")


def _show(value) -> str:
    """``repr`` of a client's value, cut to one short line."""
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
