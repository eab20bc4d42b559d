"""Moving weights between scratchdl and PyTorch.

Names already match (``features.0.weight``); the one difference is the layout of ``Linear``
weights: scratchdl keeps the course's (in, out) so that ``y = x @ W + b``, PyTorch stores
(out, in). These two functions transpose exactly those arrays and nothing else.
"""

from __future__ import annotations

import numpy as np

from .backend import to_numpy
from .nn.linear import Linear
from .nn.module import Module


def _linear_weight_names(model: Module) -> set[str]:
    return {
        (f"{path}.weight" if path else "weight")
        for path, module in model.named_modules()
        if isinstance(module, Linear)
    }


def to_torch_state_dict(model: Module) -> dict[str, np.ndarray]:
    """``model.state_dict()`` as NumPy arrays in PyTorch's layout (Linear weights as (out, in)).

    Load it with ``torch_model.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()})``.
    """
    transpose = _linear_weight_names(model)
    return {
        name: np.require(to_numpy(array).T if name in transpose else to_numpy(array), requirements="C")
        for name, array in model.state_dict().items()
    }


def from_torch_state_dict(model: Module, state: dict) -> Module:
    """Load a PyTorch-layout state dict (NumPy arrays or tensors) into ``model``, in place."""
    transpose = _linear_weight_names(model)
    arrays = {}
    for name, value in state.items():
        array = np.asarray(value.detach().cpu().numpy() if hasattr(value, "detach") else value)
        arrays[name] = array.T if name in transpose else array
    model.load_state_dict(arrays)
    return model
