"""A framework's training steps, timed in a process of its own.

``train_throughput.py`` runs one ``StepServer`` per framework and asks them in turn for timed repeats:
each library then runs in a clean process (its own threads, BLAS settings and heap), while the two
still take turns on the machine, so that load which comes and goes hits both.
"""

from __future__ import annotations

import contextlib
import os
import time

from workloads import make_step


def process_cpu_seconds() -> float:
    own = os.times()
    return own.user + own.system


def time_block(step, steps: int) -> float:
    """Seconds taken by ``steps`` consecutive calls of ``step``."""
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return time.perf_counter() - start


def serve_steps(conn, framework: str) -> None:
    """The loop of a ``StepServer`` process: build a workload's step when asked, then time repeats."""
    if framework == "torch":
        import torch

        torch.set_num_threads(os.cpu_count())
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
        else:
            return


class StepServer:
    """One framework's training steps, timed in a process of its own (``serve_steps``)."""

    def __init__(self, framework: str):
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=serve_steps, args=(child, framework), daemon=True)
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
