"""Ranks on a machine with several GPUs spread over them: rank r takes GPU r mod (number of GPUs).
CuPy and GPUs are played by a stand-in module with the two calls ``select_gpu`` makes."""

import sys
import types

from scratchdl.distributed import Comm, select_gpu


class Rank(Comm):
    """Rank ``rank`` of a pretend world of ``size``."""

    def __init__(self, rank, size):
        super().__init__(None)
        self.rank, self.size = rank, size


def gpus(monkeypatch, count):
    """A stand-in ``cupy`` with ``count`` GPUs; returns the list of the devices made current."""
    used = []

    class Device:
        def __init__(self, number):
            self.number = number

        def use(self):
            used.append(self.number)

    cuda = types.SimpleNamespace(Device=Device, runtime=types.SimpleNamespace(getDeviceCount=lambda: count))
    monkeypatch.setitem(sys.modules, "cupy", types.SimpleNamespace(cuda=cuda))
    return used


def test_ranks_spread_over_the_gpus_of_their_machine(monkeypatch):
    used = gpus(monkeypatch, 2)
    assert [select_gpu(Rank(r, 4)) for r in range(4)] == [0, 1, 0, 1]
    assert used == [0, 1, 0, 1]


def test_one_process_takes_the_first_gpu(monkeypatch):
    used = gpus(monkeypatch, 3)
    assert select_gpu() == 0 and used == [0]
