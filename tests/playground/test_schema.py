"""The playground's settings schema: every field bounded, names only through the tables, one-line errors."""

import json

import pytest

from scratchdl import nn, optim
from scratchdl.errors import ConfigError
from scratchdl.playground import schema


def test_defaults_pass_their_own_schema_and_describe_every_field():
    assert schema.validate_settings(schema.DEFAULTS) == schema.DEFAULTS
    described = schema.describe()
    assert set(described["fields"]) == set(schema.FIELDS) == set(schema.DEFAULTS)
    assert described["fields"]["activation"]["choices"] == ["sigmoid", "tanh", "relu", "leaky_relu", "gelu"]
    assert described["fields"]["hidden"] == {"kind": "widths", "max_layers": 8, "low": 1, "high": 64}
    json.dumps(described, allow_nan=False)


def test_the_tables_name_the_issues_choices_and_map_them_to_scratchdl():
    assert set(schema.DATASETS) == {"spiral", "xor", "circles", "gaussians"}
    assert {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU,
                                  "leaky_relu": nn.LeakyReLU, "gelu": nn.GELU} == schema.ACTIVATIONS
    assert set(schema.INITIALIZERS) == {"normal:1", "normal:0.01", "xavier", "he"}
    assert {"sgd": optim.SGD, "momentum": optim.Momentum, "adagrad": optim.AdaGrad,
                                 "rmsprop": optim.RMSProp, "adam": optim.Adam} == schema.OPTIMIZERS


@pytest.mark.parametrize(("changes", "message"), [
    ({"hidden": [16, 65]}, r"hidden\[1\]: expected an integer in \[1, 64\], got 65"),
    ({"hidden": [0]}, r"hidden\[0\]: expected an integer in \[1, 64\], got 0"),
    ({"hidden": [4] * 9}, "hidden: expected a list of 1 to 8 layer widths"),
    ({"hidden": []}, "hidden: expected a list of 1 to 8"),
    ({"hidden": "16,16"}, "hidden: expected a list"),
    ({"hidden": [2.5]}, "expected an integer"),
    ({"activation": "swish"}, "activation: unknown value 'swish'; valid: sigmoid, tanh, relu"),
    ({"activation": "__import__('os')"}, "activation: unknown value"),
    ({"optimizer": "Adam"}, "optimizer: unknown value 'Adam'"),
    ({"init": ["he"]}, "init: unknown value"),
    ({"lr": 0}, r"lr: expected a number in \[1e-05, 10\], got 0"),
    ({"lr": 11}, "lr: expected a number"),
    ({"lr": "0.1"}, "lr: expected a number"),
    ({"batch_size": True}, "batch_size: expected an integer"),
    ({"batch_size": 3.0}, "batch_size: expected an integer"),
    ({"batchnorm": 1}, "batchnorm: expected true or false, got 1"),
    ({"dropout": 0.95}, "dropout: expected a number"),
    ({"seed": -1}, "seed: expected an integer"),
    ({"noise": float("inf")}, "noise: expected a number"),
    ({"steps": 3}, "unknown setting 'steps'; valid: dataset, noise"),
])
def test_bad_settings_are_refused_in_one_line(changes, message):
    with pytest.raises(ConfigError, match=message) as caught:
        schema.validate_settings(changes)
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 200


def test_merge_applies_a_partial_update_and_a_new_dataset_brings_its_noise():
    merged = schema.merge(schema.DEFAULTS, {"dataset": "circles", "lr": 0.1})
    assert merged["dataset"] == "circles" and merged["lr"] == 0.1
    assert merged["noise"] == schema.default_noise("circles") == 0.05
    assert schema.merge(merged, {"dataset": "xor", "noise": 0.5})["noise"] == 0.5
    assert schema.merge(merged, {"dataset": "circles"})["noise"] == 0.05
    with pytest.raises(ConfigError):
        schema.merge(merged, {"lr": -1})


@pytest.mark.parametrize(("body", "message"), [
    (b"{", "request body is not valid JSON"),
    (b"\xff\xfe", "not valid JSON"),
    (b"[1, 2]", "must be a JSON object, got list"),
    (b'{"lr": NaN}', "NaN is not a number JSON allows"),
    (b"[" * 5000 + b"]" * 5000, "not valid JSON"),
    (b'{"lr": 0.1}' + b" " * schema.MAX_BODY, "the limit is 16384"),
])
def test_bad_bodies(body, message):
    with pytest.raises(ConfigError, match=message):
        schema.parse_body(body)


def test_control_messages():
    assert [schema.validate_control({"action": a}) for a in schema.ACTIONS] == list(schema.ACTIONS)
    for body, message in [({}, "missing 'action'"), ({"action": "fly"}, "action: unknown value 'fly'"),
                          ({"action": "play", "x": 1}, "unknown key 'x'")]:
        with pytest.raises(ConfigError, match=message):
            schema.validate_control(body)
