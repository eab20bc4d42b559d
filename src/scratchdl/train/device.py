"""Training on a device: the model and optimizer moved there once, the epoch's sums kept there.

On a GPU every read of a value back to the host (``float(loss)``, ``.get()``) waits for all the
work queued before it, so the training loop reads the running loss sum and correct count only
when a person will see them (progress updates, the end of an epoch, a checkpoint), not after
every step. Batches come from the (NumPy) ``DataLoader`` and are copied to the device once each:
a batch of 1024 MNIST images is 3.2 MB, a fraction of a millisecond over PCIe, and the loader's
order stays a pure function of (seed, epoch) on every device.
"""

from __future__ import annotations

import numpy as np

from ..backend import check_device, device_of, get_array_module, to_device, to_numpy


def model_device(model) -> str:
    """Where ``model``'s parameters are: ``"cpu"`` or ``"cuda"`` (``"cpu"`` when it has none)."""
    param = next(iter(model.parameters()), None)
    return "cpu" if param is None else device_of(param.data)


def place(model, device: str | None = None, optimizer=None) -> str:
    """The device to run on: ``device``, or where the model's parameters are when None.

    A named device is checked first (``backend.check_device``: a ``DeviceError`` saying what is
    missing); the model is moved there once, only if it is elsewhere. The optimizer's state
    (momentum, Adam's moments) follows the model, e.g. after restoring a checkpoint on the host.
    """
    here = model_device(model)
    if device is None:
        device = here
    else:
        check_device(device)
        if device != here:
            model.to(device=device)
    if optimizer is not None and hasattr(optimizer, "to"):
        optimizer.to(device)
    return device


class RunningSums:
    """The epoch's loss sum and correct count, kept on ``device`` as two 0-d arrays.

    ``add`` only queues work; ``read`` is the one host read. The loss sum is kept in float64 and
    grown as ``loss_sum += loss * n`` step after step, the same operations in the same order as
    a sum of Python floats, so it is bit for bit the host sum, and a resumed run continues it
    exactly.
    """

    def __init__(self, device: str, loss_sum: float = 0.0, correct: int = 0):
        self.loss_sum = to_device(np.array(loss_sum, dtype=np.float64), device)
        self.correct = to_device(np.array(correct, dtype=np.int64), device)

    def add(self, loss, n: int, correct=None) -> None:
        """Add a batch of ``n`` samples with mean loss ``loss`` and ``correct`` right answers."""
        xp = get_array_module(self.loss_sum)
        self.loss_sum += xp.asarray(loss, dtype=np.float64) * n
        if correct is not None:
            self.correct += correct

    def read(self) -> tuple[float, int]:
        """``(loss_sum, correct)`` on the host: one transfer, which waits for the device."""
        xp = get_array_module(self.loss_sum)
        loss_sum, correct = to_numpy(xp.stack((self.loss_sum, self.correct.astype(np.float64))))
        return float(loss_sum), int(correct)

