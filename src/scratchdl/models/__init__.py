"""The model zoo: MLP and convolutional nets sized for small images."""

from .mlp import MLP

__all__ = ["MLP"]
