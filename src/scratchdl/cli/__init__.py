"""The scratchdl command line: train, eval, predict, export, models, datasets, experiment, report,
graph, playground.

Every error a user can cause prints one line, ``scratchdl <command>: error: ...``, and exits
with status 2; never a traceback. The paths a command reads and writes are checked first
(``paths.check``), before any work, and so is MPI when a launcher started several processes
(``distributed.world``: mpi4py missing, or not the launcher's MPI). Under ``mpiexec -n N``, ``train``
runs data-parallel on every rank; every other command runs once, on rank 0, and the other ranks exit
with its status.
"""

from __future__ import annotations

import argparse
import os
import sys

from ..errors import ScratchDLError
from . import experiment_cmds, export_cmd, graph_cmd, inspect_cmds, paths, playground_cmd, train_cmd


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad option is one line on stderr and exit status 2 (no usage block)."""

    def error(self, message):
        from ..distributed import launcher_rank  # under mpiexec every rank parses: rank 0 says it

        self.exit(2, f"{self.prog}: error: {message}\n" if launcher_rank() == 0 else None)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="scratchdl", description=__doc__.split("\n\n")[0].replace("\n", " "),
                           epilog="Run scratchdl COMMAND --help for the options of a command.",
                           formatter_class=lambda prog: argparse.HelpFormatter(prog, max_help_position=30))
    parser.add_argument("--version", action="version", version=_version())
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    commands.required = True
    for module in (train_cmd, inspect_cmds, experiment_cmds, export_cmd, graph_cmd, playground_cmd):
        module.register(commands)
    return parser


def _version() -> str:
    from .. import __version__

    return f"scratchdl {__version__}"


def main(argv=None) -> int:
    from .. import distributed

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        paths.check(args)
        comm = distributed.world(required=getattr(args, "distributed", False))  # mpiexec's N, or 1
    except ScratchDLError as e:
        if distributed.launcher_rank() == 0:  # under mpiexec every rank checks: rank 0 says it
            print(f"scratchdl {args.command}: error: {e}", file=sys.stderr)
        return 2
    if comm.size > 1 and args.command != "train":
        return _on_rank_zero(comm, args)
    return _run(args)


def _on_rank_zero(comm, args) -> int:
    """Under ``mpiexec -n N``, a command other than train runs once, on rank 0, with all of its
    machine's cores; the other ranks wait and exit with its status."""
    from .. import distributed
    from ..nn import blocks

    if comm.is_root:
        blocks.NUM_THREADS = blocks.default_threads(
            {k: v for k, v in os.environ.items() if k not in blocks.LOCAL_RANKS_VARS})
    return distributed.run_on_root(comm, lambda: _run(args))


def _run(args) -> int:
    """The command ``args.command``; the errors a user can cause as one line and status 2."""
    try:
        return int(args.run(args) or 0)
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except ScratchDLError as e:
        print(f"scratchdl {args.command}: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"scratchdl {args.command}: error: {e.strerror or e}: {e.filename or ''}".rstrip(": "),
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        said = "中断しました" if getattr(args, "lang", None) == "ja" else "interrupted"
        print(f"scratchdl {args.command}: {said}", file=sys.stderr)
        return 130
