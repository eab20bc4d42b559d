"""Run under ``mpiexec -n N python download_worker.py SERVER LOG_DIR ARGS...`` by test_mpi_commands.

``scratchdl ARGS`` (a train on mnist), with mnist's mirror replaced by the folder SERVER (a file://
URL, its files' true SHA-256, or a wrong one for the file named by $CORRUPT) and every URL this rank
opens appended to LOG_DIR/rank-R.txt.
"""

import hashlib
import os
import sys
from pathlib import Path

from scratchdl import distributed
from scratchdl.cli import main
from scratchdl.data import download, mnist

server, log_dir, args = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]
sha = {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in server.iterdir()}
if os.environ.get("CORRUPT"):
    sha[os.environ["CORRUPT"]] = "0" * 64
mnist.SOURCES["mnist"] = download.Source(mirrors=(server.as_uri() + "/",), sha256=sha)
opened = download.urlopen


def logged(url, timeout):
    with open(log_dir / f"rank-{distributed.launcher_rank()}.txt", "a") as log:
        log.write(url + "\n")
    return opened(url, timeout)


download.urlopen = logged
sys.exit(main(args))
