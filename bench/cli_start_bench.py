"""How fast a command answers: wall clock of ``fakturarobot parse --json`` and ``validate`` of one
XML invoice, next to Python starting and importing lxml (the floor every command pays)::

    .venv/bin/python -m bench.cli_start_bench            # best of 15
    .venv/bin/python -m bench.cli_start_bench --runs 30

Each measurement is a fresh process (no warm imports) running what the ``fakturarobot`` console
script runs, against this checkout, without ``$FAKTURAROBOT_CONFIG`` (so ``validate`` runs the
document's rules). Timed from spawn to exit, best of N: on a shared machine the other runs measure
the neighbours. The CPU time (user + system) of the same best run is printed too; it moves less
with the machine's load. The goal for both commands is at most 0.35 s wall clock (README,
Benchmarks). ``python -X importtime`` shows where the time goes.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = "samples/inbox/0001-peppol-clean.xml"
GOAL_SECONDS = 0.35
#: what the console script runs (``robot.cli:main``)
CLI = [sys.executable, "-c", "import sys; from robot.cli import main; sys.argv[0] = 'fakturarobot'; main()"]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "FAKTURAROBOT_CONFIG"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    return env


def best_of(argv: list[str], runs: int, *, ok: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """(wall, cpu) seconds of the fastest of ``runs`` processes ``argv``; each must exit in ``ok``."""
    env = _env()
    best = (float("inf"), float("inf"))
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode not in ok:
            raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode()[-2000:]}")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best = min(best, (wall, cpu))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="processes per measurement (best of N)")
    runs = parser.parse_args().runs
    reference = best_of([sys.executable, "-c", "import lxml.etree"], runs)
    rows = [
        ('python -c "import lxml.etree"', reference),
        (f"fakturarobot parse --json {SAMPLE}", best_of([*CLI, "parse", "--json", SAMPLE], runs)),
        (f"fakturarobot validate {SAMPLE}", best_of([*CLI, "validate", SAMPLE], runs, ok=(0, 1))),
    ]
    print(f"best of {runs} runs per command, a fresh process each (goal: at most {GOAL_SECONDS:.2f} s)")
    width = max(len(name) for name, _ in rows)
    for i, (name, (wall, cpu)) in enumerate(rows):
        verdict = "" if i == 0 else ("  ok" if wall <= GOAL_SECONDS else "  over the goal")
        print(
            f"  {name:<{width}}  {wall:6.3f} s wall  {cpu:6.3f} s cpu  "
            f"{wall / reference[0]:5.1f}x the reference{verdict}"
        )


if __name__ == "__main__":
    main()
