"""Data-parallel training over MPI processes: ``mpiexec -n N scratchdl train`` is one run.

Each of the ``N`` ranks holds a replica of the model, reads its share of every global batch
(``ShardedLoader``), computes the gradient of its share, and one all-reduce of a flat buffer sums
the gradients, weighted by the ranks' sample counts, so every rank takes the same optimizer step a
single process would take on the whole batch (``GradientReducer``, ``allreduce_gradients``,
``DataParallel``). Rank 0 owns all output. Without ``mpiexec`` (or without mpi4py) the world is one
process and all of this is the identity.

Public API: ``world()``, ``rank()``, ``size()``, ``Comm``, ``broadcast_parameters(model, root=0)``,
``allreduce_gradients(model, n_local)``, ``GradientReducer``, ``DataParallel(model)``,
``ShardedLoader(dataset, batch_size, ...)``, ``shard_bounds``, ``check_batch_size``,
``SyncBatchNorm``, ``convert_sync_batchnorm(model)``, ``MPIUnavailable`` and ``MPIMismatch`` (the
launcher's MPI is not mpi4py's), ``launcher()`` (what the launcher's environment says), ``RankRunner``
(errors on any rank end the job), ``run_on_root(comm, run)`` and ``root_first(comm, fetch)`` (work
rank 0 does for the job), ``crowded_machines(comm)``, ``select_gpu(comm)``.
"""

from .allreduce import DataParallel, GradientReducer, allreduce_gradients, broadcast_parameters
from .comm import INSTALL_HINT, Comm, MPIMismatch, MPIUnavailable, rank, size, world
from .launch import RankRunner
from .launcher import Launcher, launcher, launcher_rank, launcher_size
from .loader import ShardedLoader, check_batch_size, shard_bounds
from .machines import crowded_machines, crowding_warning
from .root import RootFailed, root_first, run_on_root
from .sync_batchnorm import SyncBatchNorm, convert_sync_batchnorm


def select_gpu(comm: Comm | None = None) -> int:
    """Make GPU ``rank mod (number of GPUs)`` this process's current device; returns its number.

    Ranks on one machine then spread over its GPUs (run as many ranks per machine as it has GPUs).
    """
    import cupy

    comm = comm or world()
    device = comm.rank % cupy.cuda.runtime.getDeviceCount()
    cupy.cuda.Device(device).use()
    return device


__all__ = ["INSTALL_HINT", "Comm", "DataParallel", "GradientReducer", "Launcher", "MPIMismatch",
           "MPIUnavailable", "RankRunner", "RootFailed", "ShardedLoader", "SyncBatchNorm",
           "allreduce_gradients", "broadcast_parameters", "check_batch_size", "convert_sync_batchnorm",
           "crowded_machines", "crowding_warning", "launcher", "launcher_rank", "launcher_size", "rank",
           "root_first", "run_on_root", "select_gpu", "shard_bounds", "size", "world"]
