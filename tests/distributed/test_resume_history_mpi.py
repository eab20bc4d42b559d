"""Under ``mpiexec -n 2`` as in one process: a run stopped by Ctrl-C mid-epoch and resumed has the
whole history (timing columns aside) of the run never stopped, its stopped epoch included."""

import json
from pathlib import Path

import pytest
from mpi_procs import needs_mpi, run

WORKER = Path(__file__).with_name("setup_worker.py")


@needs_mpi
@pytest.mark.slow
@pytest.mark.parametrize("n", [0, 2])
def test_a_resumed_run_has_the_history_of_one_never_stopped(tmp_path, n):
    done = run(n, WORKER, "resume", tmp_path / "run", 14)  # 11 steps per epoch: stopped in epoch 2
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    # under MPI every rank sees the Ctrl-C flag at the next step's all-reduce
    assert result["interrupted"] and result["stopped_at"] == 14 + (n > 1)
    assert len(result["reference"]) == 3 and result["reference"][-1]["train_accuracy"] > 0.4
    assert result["resumed"] == result["reference"]
