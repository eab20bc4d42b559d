"""Input checks shared by layers: each error names the layer, what it expected and what it got."""

from __future__ import annotations

from .. import backend
from ..errors import DeviceError, DTypeError, ShapeError


def check_input(layer, x, ndim=None, axis: int | None = None, size: int | None = None) -> None:
    """Raise a scratchdl error unless ``x`` is a floating array with ``ndim`` dims
    (an int or a tuple of allowed ints) whose ``axis`` has ``size`` entries, on the device
    and of the dtype of the layer's parameters when it has parameters."""
    shape = getattr(x, "shape", None)
    if shape is None:
        raise DTypeError(f"{layer.name()}: expected an array, got {type(x).__name__}")
    param = next(iter(layer._parameters.values()), None)
    if param is not None:
        check_same_device(layer, x, param.data)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if x.ndim not in allowed:
            dims = " or ".join(f"{n}-D" for n in allowed)
            raise ShapeError(f"{layer.name()}: expected a {dims} input, got shape {tuple(shape)}")
    if size is not None and shape[axis] != size:
        expected = ["*"] * x.ndim
        expected[axis] = str(size)
        raise ShapeError(
            f"{layer.name()}: expected input shape ({', '.join(expected)}), got {tuple(shape)}"
        )
    if x.dtype.kind != "f":
        raise DTypeError(f"{layer.name()}: expected a floating-point input, got dtype {x.dtype}")
    if param is not None and x.dtype != param.data.dtype:
        raise DTypeError(
            f"{layer.name()}: expected input dtype {param.data.dtype} (the layer's), got {x.dtype}; "
            f"cast the input or call model.to({x.dtype.name})"
        )


def check_same_device(layer, x, param) -> None:
    """Raise a ``DeviceError`` naming the layer and both devices unless ``x`` lives where
    ``param`` does (CuPy would raise a bare TypeError deep inside the layer)."""
    given, own = backend.device_of(x), backend.device_of(param)
    if given != own:
        raise DeviceError(
            f"{layer.name()}: expected an input on {own} (where the layer's parameters are), got one "
            f"on {given}; move the input with scratchdl.backend.to_device(x, {own!r}) "
            f"or the model with model.to(device={given!r})"
        )
