"""Benchmark: the greedy and the optimizer on generated 4-week instances.

    .venv/bin/python bench/roster.py                       # tiers S and M, 60 s each
    .venv/bin/python bench/roster.py --tiers S,M,L --time-limit 60 --workers 2 --seed 1
    .venv/bin/python bench/roster.py --deterministic-limit 30 --workers 1   # same on any machine

Tiers (guards, sites; about 2.3 shifts per site and day over 4 weeks):
S 60 guards, 10 sites (~800 shifts); M 500, 80 (~6,500); L 2,000, 300 (~26,000).

No database: the instances are `scheduling.solver.synthetic.random_problem` data fed to the
same solver code the app runs (`scheduling.solver.solve`, `scheduling.solver.greedy.greedy`),
and every roster is validated by the independent checker (`scheduling.solver.check`). For each
tier and method it prints the open shifts, the proven lower bound on open shifts (a per-week
max-flow relaxation: no valid roster has fewer), the soft score (penalty points of the other
goals), the hard violations found by the checker and the seconds taken. "open = bound" means
the fewest open shifts possible, proven.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scheduling.solver import check, evaluate, open_lower_bound, solve
from scheduling.solver.greedy import greedy
from scheduling.solver.synthetic import random_problem

TIERS = {"S": (60, 10), "M": (500, 80), "L": (2_000, 300)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiers", default="S,M", help="Comma-separated: S, M, L.")
    parser.add_argument("--time-limit", type=float, default=60.0, help="Optimizer seconds.")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers (cores).")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--deterministic-limit",
        type=float,
        help="CP-SAT deterministic time instead of --time-limit seconds: with --workers 1 the "
        "same rosters on any machine.",
    )
    args = parser.parse_args()

    header = (
        f"{'tier':<4} {'guards':>6} {'sites':>5} {'shifts':>6}  {'method':<9} {'open':>5} "
        f"{'bound':>5} {'proven':>6} {'soft':>9} {'hard':>4} {'seconds':>7}"
    )
    print(header)
    print("-" * len(header))
    for tier in args.tiers.split(","):
        guards, sites = TIERS[tier.strip().upper()]
        problem = random_problem(seed=args.seed, guards=guards, sites=sites, weeks=4)
        began = time.monotonic()
        roster = greedy(problem)
        greedy_seconds = time.monotonic() - began
        bound = open_lower_bound(problem)
        rows = [("greedy", roster, greedy_seconds)]
        solution = solve(
            problem,
            time_limit=args.time_limit,
            workers=args.workers,
            deterministic_limit=args.deterministic_limit,
        )
        rows.append(("optimizer", solution.roster, solution.stats.seconds))
        for method, result, seconds in rows:
            score = evaluate(problem, result)
            print(
                f"{tier:<4} {guards:>6} {sites:>5} {len(problem.shifts):>6}  {method:<9} "
                f"{score.open_shifts:>5} {bound:>5} "
                f"{'yes' if score.open_shifts == bound else 'no':>6} {score.soft:>9.1f} "
                f"{len(check(problem, result)):>4} {seconds:>7.1f}",
                flush=True,
            )
    print()
    limit = (
        f"--time-limit {args.time_limit:g}"
        if args.deterministic_limit is None
        else f"--deterministic-limit {args.deterministic_limit:g}"
    )
    print(
        f"Rerun: .venv/bin/python bench/roster.py --tiers {args.tiers} {limit} "
        f"--workers {args.workers} --seed {args.seed}"
    )


if __name__ == "__main__":
    main()
