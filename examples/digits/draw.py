"""Draw this folder's sample digits for ``scratchdl predict``, from the bundled digits.

Each is one image of the test split of ``digits`` (scikit-learn's 8x8 handwritten digits, the split
that ``scratchdl train`` never trains on), enlarged to 64x64 with bicubic interpolation so that it
looks drawn rather than blocky. Three are dark ink on white, as people draw (``predict`` sees their
light border and inverts them); one is light on black, as the training images are. They suit runs
trained on ``digits`` (the default of ``scratchdl train``), whose models take 8x8 images: ``predict``
shrinks each back to 8x8.

    python examples/digits/draw.py            # rewrites the PNG files next to this script
"""

from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image

from scratchdl import data

SIZE = 64
# file name -> (index in the digits test split, dark ink on white?); the name starts with the class
SAMPLES = {"2.png": (204, True), "6.png": (32, True), "7.png": (50, True), "0-light-on-dark.png": (289, False)}


@cache
def test_images() -> np.ndarray:
    """The test split of ``digits``: (360, 1, 8, 8), light ink on dark, in [0, 1]."""
    return data.load("digits", split="test").x


def draw(index: int, dark_on_light: bool) -> Image.Image:
    """Test image ``index`` of ``digits`` as a SIZE x SIZE grayscale image."""
    gray = test_images()[index, 0]
    if dark_on_light:
        gray = 1.0 - gray
    small = Image.fromarray(np.round(gray * 255).astype(np.uint8))
    return small.resize((SIZE, SIZE), Image.Resampling.BICUBIC)


def main(folder: Path = Path(__file__).parent) -> list[Path]:
    paths = []
    for name, (index, dark_on_light) in SAMPLES.items():
        draw(index, dark_on_light).save(folder / name, optimize=True)
        paths.append(folder / name)
    return paths


if __name__ == "__main__":
    for path in main():
        print(path)
