"""How fast a command answers: wall clock of ``fakturarobot parse --json`` and ``validate`` (table
and ``--json``) of one XML invoice, next to Python starting and importing lxml (the floor every
command pays)::

    .venv/bin/python -m bench.cli_start_bench                      # 15 rounds
    .venv/bin/python -m bench.cli_start_bench --runs 30
    .venv/bin/python -m bench.cli_start_bench --no-bytecode-cache  # compile every module each time
    .venv/bin/python -m bench.cli_start_bench --against /tmp/old   # and an older checkout, in turns

``--against`` times the same commands of another checkout (``git archive <commit> | tar -x -C
/tmp/old``) with this venv, interleaved with this one's, for a before/after in one run.

Each measurement is a fresh process (no warm imports) running what the ``fakturarobot`` console
script runs, against this checkout, without ``$FAKTURAROBOT_CONFIG`` (so ``validate`` runs the
document's rules). The commands take turns, one process each per round, so a busy moment on a
shared machine slows all of them alike; the median and the best of the rounds are printed, with
the CPU time (user + system) of the median run, which moves less with the machine's load.

Python caches compiled modules (``__pycache__``), as an installed robot has them; an environment
with ``PYTHONDONTWRITEBYTECODE`` set would compile every module of the checkout in every process
instead. So the children write their bytecode to a cache of their own (``PYTHONPYCACHEPREFIX``, a
temporary folder; the checkout is left alone), filled by one unmeasured run per command first.
``--no-bytecode-cache`` measures the other way. The goal for both commands is at most 0.35 s wall
clock, median (README, Benchmarks). ``python -X importtime`` shows where the time goes.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = "samples/inbox/0001-peppol-clean.xml"
GOAL_SECONDS = 0.35
#: what the console script runs (``robot.cli:main``)
CLI = [sys.executable, "-c", "import sys; from robot.cli import main; sys.argv[0] = 'fakturarobot'; main()"]
#: what is timed: name → (argv, the exit codes it may end with)
COMMANDS: dict[str, tuple[list[str], tuple[int, ...]]] = {
    f"fakturarobot parse --json {SAMPLE}": ([*CLI, "parse", "--json", SAMPLE], (0,)),
    f"fakturarobot validate {SAMPLE}": ([*CLI, "validate", SAMPLE], (0, 1)),
    f"fakturarobot validate --json {SAMPLE}": ([*CLI, "validate", "--json", SAMPLE], (0, 1)),
}
REFERENCE = ('python -c "import lxml.etree"', [sys.executable, "-c", "import lxml.etree"])

#: one timed process: (argv, the checkout it runs in, its exit codes)
Job = tuple[list[str], Path, tuple[int, ...]]


def child_env(root: Path, pycache: str | None) -> dict[str, str]:
    """This environment without a configuration, with checkout ``root`` first on the path; bytecode
    cached under ``pycache`` (None: as the environment says)."""
    env = {k: v for k, v in os.environ.items() if k != "FAKTURAROBOT_CONFIG"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), os.environ.get("PYTHONPATH")) if p)
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = pycache  # mirrors each source's full path: checkouts do not mix
    return env


def run_once(job: Job, pycache: str | None) -> tuple[float, float]:
    """(wall, cpu) seconds of one fresh process, which must exit with one of the job's codes."""
    argv, root, ok = job
    env = child_env(root, pycache)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in ok:
        raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode()[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def jobs(against: Path | None) -> dict[str, Job]:
    """The reference, then every command of ``against`` (if given) and of this checkout."""
    out: dict[str, Job] = {REFERENCE[0]: (REFERENCE[1], ROOT, (0,))}
    for label, root in ((f"{against}: ", against), ("", ROOT)):
        if root is not None:
            out.update({f"{label}{name}": (argv, root, ok) for name, (argv, ok) in COMMANDS.items()})
    return out


def measure(runs: int, todo: dict[str, Job], pycache: str | None) -> dict[str, list[tuple[float, float]]]:
    """``runs`` rounds, each job once per round (after one unmeasured run each)."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in todo}
    for job in todo.values():
        run_once(job, pycache)  # fills the bytecode cache and the file cache
    for _ in range(runs):
        for name, job in todo.items():
            times[name].append(run_once(job, pycache))
    return times


def median_run(rows: list[tuple[float, float]]) -> tuple[float, float]:
    """The run of median wall clock (of an even count, the faster of the middle two)."""
    return sorted(rows)[(len(rows) - 1) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="rounds (a fresh process per command each)")
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="leave PYTHONDONTWRITEBYTECODE as it is (every process compiles what it imports)",
    )
    parser.add_argument("--against", type=Path, help="another checkout to time in turns with this one")
    args = parser.parse_args()
    todo = jobs(args.against.resolve() if args.against else None)
    with tempfile.TemporaryDirectory(prefix="cli-start-pycache-") as pycache:
        times = measure(args.runs, todo, None if args.no_bytecode_cache else pycache)
    cache = "none (as the environment says)" if args.no_bytecode_cache else "cached"
    print(
        f"{args.runs} rounds, a fresh process per command each; bytecode {cache}; "
        f"load average {os.getloadavg()[0]:.1f}; goal: median at most {GOAL_SECONDS:.2f} s"
    )
    width = max(len(name) for name in times)
    reference = median_run(next(iter(times.values())))[0]
    for i, (name, rows) in enumerate(times.items()):
        wall, cpu = median_run(rows)
        verdict = "" if i == 0 else ("  ok" if wall <= GOAL_SECONDS else "  over the goal")
        print(
            f"  {name:<{width}}  median {wall:6.3f} s wall ({cpu:5.3f} s cpu)  best {min(rows)[0]:6.3f} s  "
            f"{wall / reference:5.1f}x the reference{verdict}"
        )


if __name__ == "__main__":
    main()
