"""A framework's training steps, timed in a process of its own.

``train_throughput.py`` runs one ``StepServer`` per framework and asks them in turn for timed repeats:
each library then runs in a clean process (its own threads, BLAS settings and heap), while the two
still take turns on the machine, so that load which comes and goes hits both.

A scratchdl server imports NumPy first and scratchdl second, as users write it (``import_first``
"numpy", the default), or the other way round (``"scratchdl"``); nothing in this module or in
``train_throughput.py`` imports either at module level, so that the spawned process starts clean
(it imports the parent's main module again). The server reports the order it got (``ask("order")``).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import time

IMPORT_ORDERS = {"numpy": ("numpy", "scratchdl"), "scratchdl": ("scratchdl", "numpy")}


def process_cpu_seconds() -> float:
    own = os.times()
    return own.user + own.system


def time_block(step, steps: int) -> float:
    """Seconds taken by ``steps`` consecutive calls of ``step``."""
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return time.perf_counter() - start


def import_in_order(framework: str, import_first: str) -> list[str]:
    """Import NumPy and scratchdl (PyTorch: NumPy only) in the order ``import_first`` names, and say
    so: the names, "(loaded before)" after any that something had imported before this call."""
    names = IMPORT_ORDERS[import_first] if framework == "scratchdl" else ("numpy",)
    before = {name for name in names if name in sys.modules}
    for name in names:
        importlib.import_module(name)
    return [name + (" (loaded before)" if name in before else "") for name in names]


def limit_threads(framework: str, threads: int | None) -> None:
    """Run ``framework`` on ``threads`` cores (None: all), the way a user would limit it: PyTorch by
    ``torch.set_num_threads``; scratchdl by ``SCRATCHDL_NUM_THREADS``, read when it is imported (so
    before the imports; its BLAS's own thread count is limited after them, in ``serve_steps``)."""
    if framework == "torch":
        import torch

        torch.set_num_threads(threads or os.cpu_count())
    elif threads:
        os.environ["SCRATCHDL_NUM_THREADS"] = str(threads)


def threads_in_use(framework: str) -> str:
    """The thread counts this process runs with, in words."""
    if framework == "torch":
        import torch

        return f"torch {torch.get_num_threads()}"
    from threadpoolctl import threadpool_info

    from scratchdl.nn import blocks

    blas = [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]
    return f"blocks {blocks.NUM_THREADS}, BLAS {', '.join(map(str, blas))}"


def serve_steps(conn, framework: str, import_first: str = "numpy", threads: int | None = None) -> None:
    """The loop of a ``StepServer`` process: build a workload's step when asked, then time repeats."""
    limit_threads(framework, threads)
    order = import_in_order(framework, import_first)
    if framework == "scratchdl" and threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(threads, user_api="blas")     # held for the life of this process
    from workloads import make_step

    step, batch, steps = None, 0, 1
    while True:
        request = conn.recv()
        if request[0] == "prepare":
            _, name, batch, warmup, min_time = request
            step = make_step(framework, name, batch)
            time_block(step, warmup)
            steps = max(1, round(min_time / max(time_block(step, 1), 1e-6)))
            conn.send(steps)
        elif request[0] == "repeat":
            conn.send(steps * batch / time_block(step, steps))
        elif request[0] == "cpu":
            conn.send(process_cpu_seconds())
        elif request[0] == "order":
            conn.send(order)
        elif request[0] == "threads":
            conn.send(threads_in_use(framework))
        else:
            return


class StepServer:
    """One framework's training steps, timed in a process of its own (``serve_steps``)."""

    def __init__(self, framework: str, import_first: str = "numpy", threads: int | None = None):
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=serve_steps, args=(child, framework, import_first, threads),
                                       daemon=True)
        self.process.start()

    def ask(self, *request):
        self.conn.send(request)
        return self.conn.recv()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(("stop",))
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()
