"""How fast ``fakturarobot parse`` answers for one printed PDF with invoice2data's 215 public
templates configured (``../shared/corpora/invoice2data-templates``, plus the sample template that
reads the PDF), next to the same command with the one sample template and to Python importing
lxml (the floor every command pays)::

    .venv/bin/python -m bench.pdf_start_bench                  # 10 rounds
    .venv/bin/python -m bench.pdf_start_bench --runs 20
    .venv/bin/python -m bench.pdf_start_bench --cold           # no template cache: YAML parsed each time

Each measurement is a fresh process (as ``bench.cli_start_bench``: bytecode cached in a folder of
its own, the commands taking turns, median and best wall clock with the median run's CPU time).
The template cache (``$FAKTURAROBOT_CACHE_DIR``, robot/pdftext/loading.py) is a temporary folder
filled by the one unmeasured run each command gets first, as it is after the first command on a
machine; ``--cold`` empties it before every run (every template's YAML parsed and its regular
expressions compiled). The goal is at most 0.6 s wall clock, median (issue 15).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile

from bench.cli_start_bench import CLI, REFERENCE, ROOT, Job, median_run, run_once

GOAL_SECONDS = 0.6
PDF = "samples/inbox/0057-pdf-printed-posted.pdf"
SAMPLE_TEMPLATES = "samples/pdf-templates"
CORPUS = ROOT.parent / "shared" / "corpora" / "invoice2data-templates"


def commands() -> dict[str, Job]:
    parse = [*CLI, "parse", "--json"]
    return {
        REFERENCE[0]: (REFERENCE[1], ROOT, (0,)),
        f"parse {PDF} (1 template)": ([*parse, "--pdf-templates", SAMPLE_TEMPLATES, PDF], ROOT, (0,)),
        f"parse {PDF} (1 + 215 templates)": (
            [*parse, "--pdf-templates", str(CORPUS), "--pdf-templates", SAMPLE_TEMPLATES, PDF],
            ROOT,
            (0,),
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="rounds (a fresh process per command each)")
    parser.add_argument("--cold", action="store_true", help="empty the template cache before every run")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        raise SystemExit(f"{CORPUS} is not there (the third-party corpora): nothing to measure")
    todo = commands()
    with tempfile.TemporaryDirectory(prefix="pdf-start-") as tmp:
        pycache, cache = os.path.join(tmp, "pycache"), os.path.join(tmp, "templates")
        os.environ["FAKTURAROBOT_CACHE_DIR"] = cache  # the children inherit it (child_env copies os.environ)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in todo}
        for job in todo.values():
            run_once(job, pycache)  # bytecode, file and template caches
        for _ in range(args.runs):
            for name, job in todo.items():
                if args.cold:
                    shutil.rmtree(cache, ignore_errors=True)
                times[name].append(run_once(job, pycache))
    print(
        f"{args.runs} rounds, a fresh process per command each; template cache "
        f"{'emptied before each run' if args.cold else 'warm'}; load average {os.getloadavg()[0]:.1f}; "
        f"goal: median at most {GOAL_SECONDS:.2f} s"
    )
    width = max(len(name) for name in times)
    for i, (name, rows) in enumerate(times.items()):
        wall, cpu = median_run(rows)
        verdict = "" if i == 0 else ("  ok" if wall <= GOAL_SECONDS else "  over the goal")
        best = min(rows)[0]
        print(f"  {name:<{width}}  median {wall:6.3f} s wall ({cpu:5.3f} s cpu)  best {best:6.3f} s{verdict}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
