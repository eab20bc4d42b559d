"""Loaded at the start of every Python process while the mutation pass runs (tools/mutation.py puts
this folder on PYTHONPATH): a subprocess that a test starts (``mpiexec -n 2 python ...``, the CLI)
during mutmut's first pass writes down which functions it called, so that the test that started it
is run against the mutants of those functions too. Does nothing otherwise."""

import os

if os.environ.get("MUTANT_UNDER_TEST") == "stats" and os.environ.get("SCRATCHDL_MUTATION_HITS"):
    import atexit
    import json

    try:
        from mutmut.mutation import trampoline
    except ImportError:
        trampoline = None
    if trampoline is not None:
        _hits: set[str] = set()
        # The recording of mutmut's own would read its configuration from the working folder,
        # which a subprocess may have changed; a set of names is all the parent needs.
        trampoline.record_trampoline_hit = lambda name, caller=None: _hits.add(name)

        def _write_hits() -> None:
            if _hits:
                folder = os.environ["SCRATCHDL_MUTATION_HITS"]
                path = os.path.join(folder, f"{os.getpid()}.json")
                with open(path + ".tmp", "w") as f:
                    json.dump(sorted(_hits), f)
                os.replace(path + ".tmp", path)

        atexit.register(_write_hits)
