"""``scratchdl predict``'s images: how a file becomes the model's input, and which drawings are inverted.

Each function is checked against its definition written out here (the border ring, the midpoint,
the min-max scaling), on arrays chosen so that every pixel of the definition matters."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from scratchdl.cli.images import is_dark_on_light, match_polarity, read_image
from scratchdl.errors import DataError, ShapeError


def test_a_2d_array_is_scaled_to_0_1_through_8_bit_gray(tmp_path):
    a = np.arange(64, dtype=np.float64).reshape(8, 8) * 3 - 20  # any range: -20 .. 169
    np.save(tmp_path / "a.npy", a)
    got = read_image(tmp_path / "a.npy", (1, 8, 8))
    expected = np.floor((a - a.min()) / (a.max() - a.min()) * 255) / 255  # same size: no resampling
    assert got.shape == (1, 8, 8) and got.dtype == np.float64
    np.testing.assert_array_equal(got[0], expected)


def test_a_flat_array_is_all_zero(tmp_path):
    np.save(tmp_path / "flat.npy", np.full((5, 5), 7.0))
    np.testing.assert_array_equal(read_image(tmp_path / "flat.npy", (1, 4, 4)), np.zeros((1, 4, 4)))


def test_an_array_already_of_the_models_shape_is_taken_as_it_is(tmp_path):
    a = np.random.default_rng(0).uniform(-2, 2, (3, 6, 5))
    np.save(tmp_path / "rgb.npy", a)
    np.testing.assert_array_equal(read_image(tmp_path / "rgb.npy", (3, 6, 5)), a)


def test_a_one_channel_array_is_a_2d_image_and_scaled(tmp_path):
    a = np.zeros((1, 4, 4))
    a[0, :2], a[0, :, :2] = 3.0, 6.0
    np.save(tmp_path / "c.npy", a)
    np.testing.assert_array_equal(read_image(tmp_path / "c.npy", (1, 4, 4)), np.floor(a / 6 * 255) / 255)


def test_a_color_picture_gives_a_color_model_three_channels(tmp_path):
    pixels = np.zeros((4, 4, 3), dtype=np.uint8)
    pixels[..., 0], pixels[..., 2] = 255, 51
    Image.fromarray(pixels).save(tmp_path / "red.png")
    got = read_image(tmp_path / "red.png", (3, 4, 4))
    np.testing.assert_allclose(got[:, 0, 0], [1.0, 0.0, 0.2])
    gray = read_image(tmp_path / "red.png", (1, 4, 4))
    assert gray.shape == (1, 4, 4) and 0.2 < gray[0, 0, 0] < 0.5  # luminance of red and a little blue


@pytest.mark.parametrize(("make", "error", "message"), [
    (lambda p: None, DataError, "image {p}: no such file"),
    (lambda p: np.save(p, np.zeros((2, 3, 4, 5))), ShapeError,
     "image {p}: expected a 2-D array or shape (1, 8, 8), got (2, 3, 4, 5)"),
    (lambda p: np.save(p, np.zeros((3, 8, 8))), ShapeError,
     "image {p}: expected a 2-D array or shape (1, 8, 8), got (3, 8, 8)"),
    (lambda p: np.save(p, np.array([{"a": 1}], dtype=object)), DataError,
     "image {p}: not a readable .npy array"),
])
def test_what_cannot_be_an_image_is_named(tmp_path, make, error, message):
    path = tmp_path / "x.npy"
    make(path)
    with pytest.raises(error) as caught:
        read_image(path, (1, 8, 8))
    assert str(caught.value).startswith(message.format(p=path))


def _dark_on_light_by_definition(image):
    gray = image.mean(axis=0)
    border = np.ones(gray.shape, bool)
    border[1:-1, 1:-1] = False
    middle = (gray.max() + gray.min()) / 2
    return bool(gray.max() > gray.min() and np.mean(gray[border] > middle) > 0.5)


def test_dark_on_light_is_most_of_the_border_above_the_midpoint():
    rng = np.random.default_rng(1)
    levels = np.array([0.2, 0.6, 1.0])  # the midpoint is itself a level: a pixel there is not light
    seen = set()
    for _ in range(400):
        image = levels[rng.integers(0, 3, (1, 5, 6))]
        light = rng.uniform()
        image[0][rng.uniform(size=(5, 6)) < light] = 1.0
        expected = _dark_on_light_by_definition(image)
        assert is_dark_on_light(image) == expected, image
        seen.add(expected)
    assert seen == {True, False}


def test_exactly_half_the_border_light_is_not_dark_on_light():
    image = np.zeros((1, 4, 4))  # a border of 12 pixels
    image[0, 0, :] = image[0, 1:3, 0] = 1.0  # 6 of them light
    assert not is_dark_on_light(image)
    image[0, 3, 0] = 1.0
    assert is_dark_on_light(image)
    assert not is_dark_on_light(np.ones((1, 4, 4)))  # nothing drawn


@pytest.mark.parametrize(("lo", "hi", "flipped_sum"), [
    (0.0, 1.0, 1.0), (0.2, 0.9, 1.0), (0.0, 0.8, 1.0),  # gray levels in [0, 1]: 1 - x
    (0.5, 1.5, 2.0), (-1.0, 3.0, 2.0), (10.0, 250.0, 260.0),  # any other range: max + min - x
])
def test_inverting_maps_the_range_onto_itself_or_onto_0_1(lo, hi, flipped_sum):
    image = np.linspace(lo, hi, 12).reshape(1, 3, 4)
    flipped, inverted = match_polarity(image, "yes")
    assert inverted
    np.testing.assert_allclose(flipped + image, flipped_sum)
    same, inverted = match_polarity(image, "no")
    assert same is image and not inverted
