"""Layers with an explicit forward and backward, losses, initializers and the Module tree."""

from . import init
from .activation import GELU, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh, activation
from .containers import ModuleList, Sequential
from .conv import Conv2d, Convolution
from .dropout import Dropout, Dropout2d
from .linear import Affine, Linear
from .loss import BCEWithLogitsLoss, CrossEntropyLoss, Loss, MSELoss, SoftmaxWithLoss
from .module import Module, Parameter
from .norm import BatchNorm1d, BatchNorm2d
from .pool import AvgPool2d, GlobalAvgPool2d, MaxPool2d, Pooling
from .residual import Residual
from .shape import Flatten, Identity
from .summary import summary

__all__ = [
    "GELU", "Affine", "BCEWithLogitsLoss", "BatchNorm1d", "BatchNorm2d", "CrossEntropyLoss",
    "Dropout", "Dropout2d", "Flatten", "Identity", "LeakyReLU", "Linear", "Loss", "MSELoss",
    "Module", "ModuleList", "Parameter", "ReLU", "Sequential", "Sigmoid", "Softmax", "SoftmaxWithLoss",
    "Tanh", "activation", "init", "summary",
    "AvgPool2d", "Conv2d", "Convolution", "GlobalAvgPool2d", "MaxPool2d", "Pooling", "Residual",
]
