"""The errors a user can cause. Each names the layer or option, what was expected, and what was given."""


class ScratchDLError(Exception):
    """Base class of every error scratchdl raises on purpose."""


class ShapeError(ScratchDLError, ValueError):
    """An array has the wrong shape for the layer, loss or model it was given to."""


class DTypeError(ScratchDLError, TypeError):
    """An array has the wrong dtype (e.g. float64 input to a float32 layer)."""


class ArgumentError(ScratchDLError, TypeError):
    """Arguments that do not fit the call: a size where an array is expected, an unknown keyword,
    the book's call given to scratchdl's PyTorch-style class (or the other way round)."""


class ModuleTypeError(ScratchDLError, TypeError):
    """Something that is not a Module where a layer was expected (``nn.Sequential([...])``, ``"relu"``)."""


class DataError(ScratchDLError, ValueError):
    """Bad values in data: NaN or Inf, labels out of range, unreadable or corrupted files."""


class ConfigError(ScratchDLError, ValueError):
    """An unknown name (initializer, optimizer, model, dataset) or an invalid option value."""


class StateError(ScratchDLError, RuntimeError):
    """A method called out of order, such as ``backward`` before ``forward``."""


class CheckpointError(ScratchDLError, ValueError):
    """A checkpoint that is missing, truncated, corrupted or not scratchdl's."""


class DeviceError(ScratchDLError, RuntimeError):
    """A device that cannot be used (CuPy missing, no GPU), or an array on another device than
    the layer's parameters."""


class ExportError(ScratchDLError, ValueError):
    """A model that cannot be written as ONNX: a layer with no ONNX form, or a bad opset."""


class ScratchDLWarning(UserWarning):
    """Base class of the warnings scratchdl gives: the code runs, but likely not as its author meant."""


class SwappedArgumentsWarning(ScratchDLWarning):
    """A course function called with its arguments in the book's order ``(y, t)`` where the course's
    is ``(d, y)``, target first (``functions.cross_entropy_error``)."""


class GraphError(ScratchDLError, RuntimeError):
    """A computational graph used wrongly: ``backward`` twice through a freed graph, a saved tensor
    changed in place before ``backward``, a gradient asked of a tensor that has none."""


class DependencyError(ScratchDLError, RuntimeError):
    """A program or package a feature needs is not installed (Graphviz's ``dot`` for PNG graphs)."""


def unknown_name(kind: str, name, valid) -> ConfigError:
    """The error for a name that is not one of ``valid``, listing the valid ones."""
    return ConfigError(f"unknown {kind} {name!r}; valid: {', '.join(sorted(valid))}")
