"""``scratchdl predict`` on digits drawn either way: light on dark (the data) or dark on light."""

import numpy as np
import pytest
from PIL import Image

from scratchdl import data
from scratchdl.cli.images import is_dark_on_light, match_polarity


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from scratchdl.cli import main

    out = tmp_path_factory.mktemp("predict") / "run"
    assert main(["train", "--model", "mlp", "--hidden", "64", "--epochs", "5", "--out", str(out)]) == 0
    return out


def write_png(path, image, invert=False):
    pixels = (image * 255).round().astype(np.uint8)
    if invert:
        pixels = 255 - pixels
    Image.fromarray(pixels).resize((32, 32), Image.NEAREST).save(path)


def predictions(stdout):
    return [line.split("class ")[1].split()[0] for line in stdout.strip().splitlines()]


def test_inverted_drawings_get_the_same_classes(cli, run, tmp_path):
    test = data.load("digits", split="test")
    plain, inverted = [], []
    for i in range(20):
        write_png(tmp_path / f"{i}.png", test.x[i, 0])
        write_png(tmp_path / f"{i}-inv.png", test.x[i, 0], invert=True)
        plain.append(tmp_path / f"{i}.png")
        inverted.append(tmp_path / f"{i}-inv.png")
    status, out_plain, _ = cli("predict", run, *plain)
    assert status == 0 and "; inverted" not in out_plain
    status, out_inverted, _ = cli("predict", run, *inverted)
    assert status == 0
    assert all("inverted: dark on light" in line for line in out_inverted.strip().splitlines())
    assert predictions(out_inverted) == predictions(out_plain)

    status, out_no, _ = cli("predict", run, "--invert", "no", *inverted)
    assert status == 0 and "; inverted" not in out_no
    right = test.t[:20].astype(str)

    def score(out):
        return np.mean(np.array(predictions(out)) == right)

    assert score(out_plain) >= 0.8 and score(out_no) < score(out_plain)
    status, out_yes, _ = cli("predict", run, "--invert", "yes", *inverted[:1])
    assert "inverted (--invert yes)" in out_yes


@pytest.mark.parametrize("split", ["train", "test"])
def test_polarity_detection_on_every_digit(split):
    x = data.load("digits", split=split).x.astype(np.float64)
    assert not any(is_dark_on_light(image) for image in x)
    assert all(is_dark_on_light(1.0 - image) for image in x)


def test_match_polarity():
    image = np.zeros((1, 8, 8))
    image[0, 2:6, 3:5] = 1.0
    same, flipped = match_polarity(image)
    assert not flipped and np.array_equal(same, image)
    back, flipped = match_polarity(1.0 - image)
    assert flipped and np.array_equal(back, image)
    forced, flipped = match_polarity(image, "yes")
    assert flipped and np.array_equal(forced, 1.0 - image)
    kept, flipped = match_polarity(1.0 - image, "no")
    assert not flipped and np.array_equal(kept, 1.0 - image)
    assert not is_dark_on_light(np.full((1, 8, 8), 0.7))  # a flat image has no polarity
