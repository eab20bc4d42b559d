"""Images for ``scratchdl predict``: read, resize to the model's input, and match its polarity.

The datasets are light ink on a dark background (digits, MNIST). People draw dark on light. A
digit fills the middle of its image and the border is mostly background, so an image whose
border pixels are mostly light (above the midpoint of its darkest and lightest value) is dark on
light, and is inverted: ``x -> 1 - x`` for gray levels in [0, 1] (``x -> max + min - x`` for other
ranges). On the bundled digits no image has more than a third of its border light.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import DataError, ShapeError

INVERT_CHOICES = ("auto", "yes", "no")


def read_image(path: Path, input_shape) -> np.ndarray:
    """An image file or .npy array as a float array of ``input_shape`` with values in [0, 1]."""
    channels, height, width = input_shape
    if not path.is_file():
        raise DataError(f"image {path}: no such file")
    if path.suffix.lower() == ".npy":
        try:
            array = np.load(path, allow_pickle=False).astype(np.float64)
        except (ValueError, OSError) as e:
            raise DataError(f"image {path}: not a readable .npy array ({e})") from None
        if array.ndim == 3 and array.shape[0] == channels:
            array = array.mean(axis=0) if channels == 1 else array
        if array.shape == (channels, height, width):
            return array
        if array.ndim != 2:
            raise ShapeError(f"image {path}: expected a 2-D array or shape {tuple(input_shape)}, "
                             f"got {array.shape}")
        lo, hi = float(array.min()), float(array.max())
        array = (array - lo) / (hi - lo) if hi > lo else np.zeros_like(array)
        from PIL import Image

        image = Image.fromarray((array * 255).astype(np.uint8))
    else:
        from PIL import Image, UnidentifiedImageError

        try:
            image = Image.open(path)
            image.load()
        except (UnidentifiedImageError, OSError) as e:
            raise DataError(f"image {path}: cannot be read as an image ({e})") from None
    mode = "L" if channels == 1 else "RGB"
    resized = np.asarray(image.convert(mode).resize((width, height)), dtype=np.float64) / 255.0
    return resized.reshape(height, width, channels).transpose(2, 0, 1)


def is_dark_on_light(image: np.ndarray) -> bool:
    """True if most pixels of the border of ``image`` (channels, height, width) are light."""
    gray = image.mean(axis=0)
    ring = np.concatenate([gray[0], gray[-1], gray[1:-1, 0], gray[1:-1, -1]])
    middle = (gray.max() + gray.min()) / 2
    return gray.max() > gray.min() and float(np.mean(ring > middle)) > 0.5


def match_polarity(image: np.ndarray, invert: str = "auto") -> tuple[np.ndarray, bool]:
    """``image`` as light on dark, and whether it was inverted (``invert``: auto, yes or no)."""
    if invert == "yes" or (invert == "auto" and is_dark_on_light(image)):
        lo, hi = float(image.min()), float(image.max())
        return ((1.0 if lo >= 0 and hi <= 1 else lo + hi) - image), True
    return image, False
