"""Benchmark: the greedy and the optimizer on generated 4-week instances.

    .venv/bin/python bench/roster.py                       # tiers S and M, 60 s each
    .venv/bin/python bench/roster.py --tiers S,M,L --time-limit 60 --workers 2 --seed 1

Tiers (guards, sites; about 2.3 shifts per site and day over 4 weeks):
S 60 guards, 10 sites (~800 shifts); M 500, 80 (~6,500); L 2,000, 300 (~26,000).

No database: the instances are `scheduling.synthetic.random_problem` data fed to the same
solver code the app runs (`scheduling.optimizer.solve`, `scheduling.greedy.greedy`), and
every roster is validated by the independent checker (`scheduling.checker.check`). For each
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

from scheduling.checker import check
from scheduling.greedy import greedy
from scheduling.optimizer import open_lower_bound, solve
from scheduling.problem import evaluate
from scheduling.synthetic import random_problem

TIERS = {"S": (60, 10), "M": (500, 80), "L": (2_000, 300)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiers", default="S,M", help="Comma-separated: S, M, L.")
    parser.add_argument("--time-limit", type=float, default=60.0, help="Optimizer seconds.")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers (cores).")
    parser.add_argument("--seed", type=int, default=1)
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
        solution = solve(problem, time_limit=args.time_limit, workers=args.workers)
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
    print(
        "Rerun: .venv/bin/python bench/roster.py "
        f"--tiers {args.tiers} --time-limit {args.time_limit:g} --workers {args.workers} "
        f"--seed {args.seed}"
    )


if __name__ == "__main__":
    main()
