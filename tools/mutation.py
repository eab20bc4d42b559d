"""The mutation pass: mutmut, module by module, each with its own fast tests (not part of CI).

    pip install -e ".[test,mutation]"
    python tools/mutation.py                 # every module of mutation/modules.toml (an hour or more)
    python tools/mutation.py train cli       # some of them
    python tools/mutation.py --summary       # the table again, from the last runs, without running
    python tools/mutation.py --survivors cli # the diff of every mutant of cli that no test killed
    python tools/mutation.py --again cli     # only the mutants cli's last run left, with new tests

Each module runs in its own folder ``build/mutation/<module>/`` (a copy of src/, tests/ and
pyproject.toml with a ``[tool.mutmut]`` section made from ``mutation/modules.toml``), under
``nice -n 15``, one mutant at a time. mutmut first runs the module's tests once to learn which test
calls which function, then runs each mutant against the tests that call its function. Tests that
start subprocesses (``mpiexec -n 2``) report the functions those called (``mutation/sitecustomize.py``
and ``mutation/subprocess_hits.py``), so they count too.

The score of a module is killed / (mutants - equivalent): a mutant killed by a test, a timeout or
a crash counts as killed; one that survived or that no test reached counts against the score.
``mutation/equivalent.toml`` lists the mutants that cannot change any behaviour, each with why.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "mutation"
WORK = ROOT / "build" / "mutation"

# The exit codes of a mutant's test run, as mutmut's stats.py reads them, and 2 (pytest interrupted): a
# Ctrl-C that the code under test should have turned into a graceful stop escaped it.
KILLED = {1: "killed", 2: "killed", 3: "killed", 36: "timeout", 24: "timeout", -24: "timeout", 152: "timeout",
          255: "timeout", -11: "segfault", -9: "segfault", 37: "caught by type check"}


def modules() -> dict:
    return tomllib.loads((CONFIG / "modules.toml").read_text())


def equivalents() -> dict[str, str]:
    """mutant name -> why it cannot change behaviour, over every module."""
    path = CONFIG / "equivalent.toml"
    doc = tomllib.loads(path.read_text()) if path.exists() else {}
    return {name: why for table in doc.values() for name, why in table.items()}


IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", ".pytest_cache")
DOCS = ["docs/report", "docs/cli.md"]  # what the tests read besides src/ and tests/


def _copy_docs(*folders: Path) -> None:
    for folder in folders:
        for doc in DOCS:
            source, copy = ROOT / doc, folder / doc
            if source.is_dir():
                shutil.copytree(source, copy, dirs_exist_ok=True)
            else:
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, copy)


def prepare(name: str, spec: dict) -> Path:
    """A fresh working folder for module ``name``: src/, tests/, ``DOCS`` and a pyproject.toml
    whose ``[tool.mutmut]`` mutates ``spec["mutate"]`` with ``spec["tests"]``."""
    work = WORK / name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    shutil.copytree(ROOT / "src", work / "src", ignore=IGNORE)
    shutil.copytree(ROOT / "tests", work / "tests", ignore=IGNORE)
    _copy_docs(work)
    configure(work, spec)
    return work


def _tests(spec: dict) -> tuple[list[str], list[str]]:
    """``(pytest options, test files and ids)`` of a module: its markers and deselected tests, and the
    tests of ``spec["tests"]`` that exist (a test id is ``file::name``)."""
    options = ["-m", spec["markers"]] if "markers" in spec else []
    for test in spec.get("deselect", []):
        options += ["--deselect", test]
    return options, [t for t in spec["tests"] if (ROOT / t.split("::")[0]).exists()]


def _environment(pythonpath: Path) -> dict[str, str]:
    """The tests' environment: ``pythonpath`` first, BLAS on one thread, figures without a display, and
    no ``SCRATCHDL_MUTATION_HITS`` of an outer run (mutation/sitecustomize.py records calls there)."""
    env = {k: v for k, v in os.environ.items() if k != "SCRATCHDL_MUTATION_HITS"}
    env.update(PYTHONPATH=str(pythonpath), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
               MPLBACKEND="Agg")
    return env


def _ctrl_c_back() -> None:
    """A shell's background job starts with Ctrl-C ignored, and Python then never installs its
    KeyboardInterrupt handler: the tests that press Ctrl-C need it back (``preexec_fn``)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _show(name: str, mutant: str) -> str:
    """``mutmut show``: the mutant's status and its diff."""
    return subprocess.run([sys.executable, "-m", "mutmut", "show", mutant], cwd=WORK / name,
                          env={**os.environ, "PYTHONPATH": str(CONFIG)}, capture_output=True, text=True,
                          check=True).stdout


def configure(work: Path, spec: dict) -> None:
    """The working folder's pyproject.toml: the project's, with a ``[tool.mutmut]`` section for ``spec``."""
    options, tests = _tests(spec)
    pytest_args = ["-p", "no:cacheprovider", "-p", "subprocess_hits", *options]
    section = {
        "source_paths": ["src/"],
        "only_mutate": spec["mutate"],
        "also_copy": DOCS,
        "pytest_add_cli_args_test_selection": tests,
        "pytest_add_cli_args": pytest_args,
        "use_git_change_detection": False,
        # a mutant that loops forever (``k += 1`` -> ``k = 1``) is stopped at 10x its tests' wall time
        # (plus 1 s), not 15x. At 3x, tests that merely ran slower while the other module's run shared
        # the cores were stopped and counted as killed: 74 of export's 403 mutants, among them some
        # that every test passes.
        "timeout_multiplier": 10.0,
    }
    lines = ["", "[tool.mutmut]"] + [f"{key} = {json.dumps(value)}" for key, value in section.items()]
    (work / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text() + "\n".join(lines) + "\n")


def refresh(name: str, spec: dict) -> Path:
    """The last run's folder of ``name`` brought up to date with src/ and tests/: mutmut then makes
    new mutants of the changed files only (their copies are newer than its mutated ones), keeps the
    results of the others, and records which functions the new tests call."""
    work = WORK / name
    shutil.copytree(ROOT / "src", work / "src", ignore=IGNORE, dirs_exist_ok=True)
    shutil.copytree(ROOT / "tests", work / "tests", ignore=IGNORE, dirs_exist_ok=True)
    _copy_docs(work, work / "mutants")
    for source in (ROOT / "src").rglob("*.py"):  # files it does not mutate: mutmut copies them only once
        relative = str(source.relative_to(ROOT))
        copy = work / "mutants" / relative
        if not any(fnmatch(relative, p) for p in spec["mutate"]) and (
                not copy.exists() or copy.read_bytes() != source.read_bytes()):
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy)
    before = _selection(work)
    configure(work, spec)
    if set(before) <= set(_selection(work)):
        _keep_results_for_added_tests(work)
    return work


def _selection(work: Path) -> list[str]:
    """The test files and ids of the working folder's ``[tool.mutmut]``."""
    return tomllib.loads((work / "pyproject.toml").read_text())["tool"]["mutmut"][
        "pytest_add_cli_args_test_selection"]


def _keep_results_for_added_tests(work: Path) -> None:
    """mutmut forgets every result when the test selection changes. Tests only added cannot make a
    killed mutant survive, so its record of the selection is set to the new one: it then keeps its
    results, records which functions the new tests call, and reruns the mutants named to it."""
    stats = work / "mutants" / "mutmut-stats.json"
    if not stats.exists():
        return
    fingerprint = subprocess.run(
        [sys.executable, "-c", "import json; from mutmut.configuration import config; "
         "print(json.dumps(config().config_fingerprint()))"],
        cwd=work, capture_output=True, text=True, check=True).stdout
    data = json.loads(stats.read_text())
    data["config_fingerprint"]["test_selection"] = json.loads(fingerprint)["test_selection"]
    stats.write_text(json.dumps(data))


def run(name: str, spec: dict, again: bool = False, children: int = 1) -> None:
    """mutmut over module ``name``: every mutant in a fresh folder, or (``again``) only the mutants the
    last run left, against the current src/ and tests/: first those it never checked (a stopped run),
    then the survivors, then the mutants of functions changed since (mutmut makes them anew when it
    starts)."""
    if not again:
        _mutmut(prepare(name, spec), name, spec, [], children)
        return
    work = refresh(name, spec)
    for batch in (unchecked, survived, unchecked):
        mutants = batch(name, spec)
        if mutants:
            _mutmut(work, name, spec, mutants, children)


def unchecked(name: str, spec: dict) -> list[str]:
    """The mutants of ``name`` that no run has checked yet."""
    return [m for m, code in results(name, spec).items() if code is None]


def survived(name: str, spec: dict) -> list[str]:
    """The mutants of ``name`` that a run checked and no test killed (equivalents left out)."""
    codes = results(name, spec)
    return [m for m in score(name, spec, equivalents())["left"] if codes[m] is not None]


def _mutmut(work: Path, name: str, spec: dict, mutants: list[str], children: int = 1) -> None:
    """``mutmut run`` in ``work``, of every mutant or of ``mutants``, ``children`` at a time."""
    # "<function>__mutmut_*<n>" rather than the name itself: mutmut looks up the tests of an exact
    # name without a default, which fails for a function that no test called in the last run
    names = [m.replace("__mutmut_", "__mutmut_*") for m in mutants]
    # mutmut puts its mutated copy first on sys.path itself; the MPI tests pass it on to their ranks
    env = _environment(CONFIG)
    print(f"== {name}: mutating {', '.join(spec['mutate'])}" + (f" ({len(names)} again)" if names else ""),
          flush=True)
    with open(work / "mutmut.log", "a" if names else "w") as log:
        command = ["nice", "-n", "15", sys.executable, "-m", "mutmut", "run", "--max-children", str(children),
                   *names]
        subprocess.run(command, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, check=False,
                       preexec_fn=_ctrl_c_back)


def results(name: str, spec: dict) -> dict[str, int | None]:
    """mutant name -> exit code of its test run, from the last run of module ``name``."""
    codes: dict[str, int | None] = {}
    mutants = WORK / name / "mutants"
    for meta in sorted(mutants.glob("src/**/*.py.meta")):
        source = str(meta.relative_to(mutants))[: -len(".meta")]
        if any(fnmatch(source, pattern) for pattern in spec["mutate"]):
            codes.update(_read_meta(meta)["exit_code_by_key"])
    return codes


def _read_meta(path: Path, tries: int = 5) -> dict:
    """mutmut's record of one file's mutants; read again when caught half-written by a running pass."""
    for _ in range(tries - 1):
        try:
            return json.loads(path.read_text())
        except json.JSONDecodeError:
            time.sleep(0.2)
    return json.loads(path.read_text())


HAND_TIMEOUT = 124  # the exit code recorded for a hand-planted mutant whose tests ran past the limit


def planted_by_hand(name: str) -> dict[str, int]:
    """mutant name -> exit code of the module's tests with the mutant planted by hand (``--by-hand``)."""
    path = WORK / name / "by_hand.json"
    return json.loads(path.read_text()) if path.exists() else {}


def score(name: str, spec: dict, equivalent: dict[str, str]) -> dict:
    codes = results(name, spec)
    by_hand = {}
    for mutant, code in planted_by_hand(name).items():
        if mutant not in codes or KILLED.get(codes[mutant], "timeout") != "timeout":
            continue  # a test failed under mutmut: that stands
        # a survivor or a timeout of mutmut's run, planted by hand with no tight limit: its verdict
        codes[mutant] = {0: 0, 1: 1, 2: 2, HAND_TIMEOUT: -24}.get(code, codes[mutant])
        if code in (1, 2):
            by_hand[mutant] = code
    equal = sum(1 for mutant in codes if mutant in equivalent)
    killed = sum(1 for mutant, code in codes.items() if code in KILLED and mutant not in equivalent)
    left = [m for m, code in codes.items() if code not in KILLED and m not in equivalent]
    counted = len(codes) - equal
    timeouts = sum(1 for mutant, code in codes.items()
                   if KILLED.get(code) == "timeout" and mutant not in equivalent)
    return {"module": name, "mutants": len(codes), "killed": killed, "timeouts": timeouts,
            "by_hand": len(by_hand), "equivalent": equal, "left": left,
            "score": killed / counted if counted else float("nan")}


def summary(names) -> str:
    equivalent = equivalents()
    specs = modules()
    rows = [score(name, specs[name], equivalent) for name in names]
    lines = ["| module | mutants | killed | of them stopped (timeout) | of them planted by hand | equivalent "
             "| left | score |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['module']} | {r['mutants']} | {r['killed']} | {r['timeouts']} | {r['by_hand']} | "
                     f"{r['equivalent']} | {len(r['left'])} | {100 * r['score']:.1f}% |")
    total = {k: sum(r[k] for r in rows) for k in ("mutants", "killed", "timeouts", "by_hand", "equivalent")}
    left = sum(len(r["left"]) for r in rows)
    counted = total["mutants"] - total["equivalent"]
    lines.append(f"| **all** | {total['mutants']} | {total['killed']} | {total['timeouts']} | "
                 f"{total['by_hand']} | {total['equivalent']} | {left} | "
                 f"{100 * total['killed'] / max(counted, 1):.1f}% |")
    return "\n".join(lines)


def survivors(name: str) -> None:
    """Print the diff of each mutant of ``name`` that no test killed and that is not listed as equivalent."""
    spec = modules()[name]
    for mutant in score(name, spec, equivalents())["left"]:
        print(_show(name, mutant))


def _indent_hunks(diff: str, by: str = "    ") -> str:
    """``diff`` with every non-empty line of its hunks indented ``by`` (after the +/-/space column)."""
    lines = diff.splitlines(keepends=True)
    body = [line if line.startswith(("---", "+++", "@@")) or not line[1:].strip() else line[0] + by + line[1:]
            for line in lines[2:]]
    return "".join(lines[:2] + body)


def by_hand(name: str, spec: dict, pattern: str) -> None:
    """Plant each mutant of ``name`` matching ``pattern`` that mutmut's run left or stopped into a copy
    of src/ (with patch(1), from mutmut's diff) and run the module's tests on it, stopping at the first
    failure, with a limit of 5x the tests' own time (60 s at least). For code mutmut cannot switch on:
    it chooses a mutant when the function is called, so a function that runs only while the package
    is imported (a factory that fills a registry of exporters or commands) keeps its original in
    every mutant's run. And for its timeouts: its limit is 10x the tests' time as its first run
    measured them, without module-scoped fixtures, so tests that build every model in a fixture
    can be stopped though they pass."""
    work = WORK / name
    copy = work / "by_hand"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(ROOT / "src", copy / "src", ignore=IGNORE)
    record = planted_by_hand(name)
    options, tests = _tests(spec)
    env = _environment(copy / "src")
    command = ["nice", "-n", "15", sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
               *options, *tests]

    def run_tests(limit=None) -> int:
        try:
            return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, check=False, timeout=limit,
                                  preexec_fn=_ctrl_c_back).returncode
        except subprocess.TimeoutExpired:
            return HAND_TIMEOUT

    started = time.perf_counter()
    if run_tests() != 0:
        raise SystemExit(f"{name}: the tests fail without a mutant; fix them first")
    limit = max(60.0, 5 * (time.perf_counter() - started))
    codes = results(name, spec)
    equivalent = equivalents()
    candidates = [m for m, code in codes.items() if m not in equivalent and record.get(m) not in (1, 2)
                  and KILLED.get(code, "timeout") == "timeout" and fnmatch(m, pattern)]
    for mutant in candidates:
        diff = _show(name, mutant)
        diff = diff[diff.index("--- "):].rstrip("\n") + "\n"  # patch needs the last line ended
        if "ǁ" in mutant:  # a method: mutmut shows it dedented out of its class
            diff = _indent_hunks(diff)
        source = copy / diff.splitlines()[0].split()[1]
        original = source.read_text()
        for fuzz in ("0", "3"):  # a hunk at a function's end has no context after it: patch wants fuzz
            applied = subprocess.run(["patch", "-p0", "--silent", "--no-backup-if-mismatch", "-r", "-",
                                      "-F", fuzz], input=diff, cwd=copy, capture_output=True, text=True,
                                     check=False)
            if applied.returncode == 0:
                break
        if applied.returncode != 0 or source.read_text() == original:
            print(f"{mutant}: the diff does not apply", flush=True)
            source.write_text(original)
            continue
        try:
            code = run_tests(limit)
        finally:
            source.write_text(original)
        record[mutant] = code
        verdict = {0: "survived", HAND_TIMEOUT: f"stopped after {limit:.0f} s"}.get(code, "killed")
        print(f"{mutant}: {verdict} (pytest exit {code})", flush=True)
        (work / "by_hand.json").write_text(json.dumps(record, indent=1, sort_keys=True))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="modules of mutation/modules.toml (default: all)")
    parser.add_argument("--summary", action="store_true", help="print the table of the last runs only")
    parser.add_argument("--survivors", action="store_true", help="print the mutants no test killed")
    parser.add_argument("--again", action="store_true",
                        help="rerun only the mutants the last run left, with the current src/ and tests/")
    parser.add_argument("--children", type=int, default=1, metavar="N",
                        help="mutants run at a time (default 1; each runs its tests on one core)")
    parser.add_argument("--by-hand", metavar="PATTERN",
                        help="plant the left mutants whose names match PATTERN by hand and run the tests "
                             "(for functions that run only at import, which mutmut cannot switch)")
    args = parser.parse_args(argv)
    specs = modules()
    names = args.modules or list(specs)
    unknown = [n for n in names if n not in specs]
    if unknown:
        parser.error(f"unknown module {', '.join(unknown)}; valid: {', '.join(specs)}")
    if args.by_hand:
        for name in names:
            by_hand(name, specs[name], args.by_hand)
    if args.survivors:
        for name in names:
            survivors(name)
        return 0
    if not args.summary and not args.by_hand:
        for name in names:
            run(name, specs[name], again=args.again, children=args.children)
    print(summary([n for n in names if (WORK / n / "mutants").exists()]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
