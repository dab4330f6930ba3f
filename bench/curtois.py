"""Benchmark: the product's solver on the Curtois & Qu shift-scheduling instances.

    .venv/bin/python bench/curtois.py --instances 1-10 --time-limit 60
    .venv/bin/python bench/curtois.py --instances 11-13 --time-limit 300 --workers 2
    .venv/bin/python bench/curtois.py --instances 1,3 --deterministic-limit 20 --workers 1

Each instance (`Instance<N>.txt`, see ../shared/benchmarks/README.md) is read by `read_instance`,
turned into the product's plain-data `Problem` by `to_problem` (staff are guards with a
`Contract`, shift types are shift kinds, cover is slots priced by `open_weight` and
`fill_weight`, requests are `Request`s, successions and days off are the organization's rules
and the guards' absences), solved by `scheduling.solver.solve`, and the roster is scored by
`score`, an evaluator of the benchmark's own objective written from the instance data alone
(it also lists hard-rule breaches, which must be none). One line per instance:

    Instance<N> objective=<int> best=<int> bound=<int> seconds=<float> size=... gap=...%

`bound` is the solver's proven lower bound on the objective (CP-SAT's, on the whole period).
The same parameters for every instance: nothing depends on an instance number.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scheduling.solver import (
    HOUR,
    Contract,
    Guard,
    Problem,
    Request,
    Roster,
    Rules,
    Shift,
    Week,
    check,
    solve,
)

DATA = Path(__file__).resolve().parents[2] / "shared/benchmarks/curtois-qu"
# Best-known objective values (../shared/benchmarks/README.md), for the gap column only.
BEST = {
    1: 607, 2: 828, 3: 1001, 4: 1716, 5: 1143, 6: 1950, 7: 1056, 8: 1300, 9: 439, 10: 4631,
    11: 3443, 12: 4040, 13: 1348, 14: 1278, 15: 3831, 16: 3225, 17: 5746, 18: 4459, 19: 3149,
    20: 4769, 21: 21133, 22: 30244, 23: 17428, 24: 42463,
}  # fmt: skip
MONDAY = dt.date(2027, 3, 1).toordinal()  # day 0 of every instance is a Monday
EPOCH = dt.date(1970, 1, 1).toordinal()
DAY = 24 * HOUR


@dataclass
class Staff:
    id: str
    max_shifts: dict[str, int]
    max_minutes: int
    min_minutes: int
    max_consecutive: int
    min_consecutive: int
    min_days_off: int
    max_weekends: int


@dataclass
class Instance:
    days: int
    shifts: dict[str, tuple[int, frozenset[str]]]  # id -> (minutes, kinds that cannot follow)
    staff: list[Staff]
    days_off: dict[str, set[int]] = field(default_factory=dict)
    on_requests: list[tuple[str, int, str, int]] = field(default_factory=list)
    off_requests: list[tuple[str, int, str, int]] = field(default_factory=list)
    cover: dict[tuple[int, str], tuple[int, int, int]] = field(default_factory=dict)


def read_instance(path: Path) -> Instance:
    """Parse the benchmark's `.txt` format (sections, `#` comments, comma-separated)."""
    sections: dict[str, list[list[str]]] = {}
    current = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            current = sections.setdefault(line, [])
            continue
        if current is None:
            raise ValueError(f"{path}: data before any section: {line!r}")
        current.append([part.strip() for part in line.split(",")])
    days = int(sections["SECTION_HORIZON"][0][0])
    shifts = {
        row[0]: (
            int(row[1]),
            frozenset(k for k in row[2].split("|") if k) if len(row) > 2 else frozenset(),
        )
        for row in sections["SECTION_SHIFTS"]
    }
    staff = []
    for row in sections["SECTION_STAFF"]:
        limits = dict(item.split("=") for item in row[1].split("|") if item)
        staff.append(
            Staff(
                id=row[0],
                max_shifts={kind: int(n) for kind, n in limits.items()},
                max_minutes=int(row[2]),
                min_minutes=int(row[3]),
                max_consecutive=int(row[4]),
                min_consecutive=int(row[5]),
                min_days_off=int(row[6]),
                max_weekends=int(row[7]),
            )
        )
    instance = Instance(days=days, shifts=shifts, staff=staff)
    for row in sections.get("SECTION_DAYS_OFF", []):
        instance.days_off[row[0]] = {int(day) for day in row[1:] if day}
    for name, target in (
        ("SECTION_SHIFT_ON_REQUESTS", instance.on_requests),
        ("SECTION_SHIFT_OFF_REQUESTS", instance.off_requests),
    ):
        for row in sections.get(name, []):
            target.append((row[0], int(row[1]), row[2], int(row[3])))
    for row in sections.get("SECTION_COVER", []):
        instance.cover[(int(row[0]), row[1])] = (int(row[2]), int(row[3]), int(row[4]))
    return instance


def _minutes(day: int) -> int:
    return (MONDAY + day - EPOCH) * DAY


def to_problem(instance: Instance) -> Problem:
    """The instance as the product's plain-data problem.

    Every shift of a day starts at its midnight, so two on one day overlap (one shift a day);
    the product's daily, weekly and rest rules are opened up (the benchmark has none of
    them) and its own goals weigh 0, so the objective is the benchmark's: each (day, kind)
    has `requirement` slots whose open weight is the under-cover weight, and one optional slot
    per further guard who could work it, whose fill weight is the over-cover weight.
    """
    guards = []
    for index, staff in enumerate(instance.staff):
        off = instance.days_off.get(staff.id, set())
        guards.append(
            Guard(
                id=index + 1,
                grade="E",
                absences=tuple((_minutes(day), _minutes(day + 1)) for day in sorted(off)),
                name=staff.id,
                contract=Contract(
                    min_minutes=staff.min_minutes,
                    max_minutes=staff.max_minutes,
                    max_shifts=tuple(sorted(staff.max_shifts.items())),
                    max_consecutive_days=staff.max_consecutive,
                    min_consecutive_days=staff.min_consecutive,
                    min_consecutive_days_off=staff.min_days_off,
                    max_weekends=staff.max_weekends,
                ),
            )
        )
    kinds = list(instance.shifts)
    shifts: list[Shift] = []
    for day in range(instance.days):
        ordinal = MONDAY + day
        for post, kind in enumerate(kinds, start=1):
            requirement, under, over = instance.cover.get((day, kind), (0, 0, 0))
            able = sum(
                1
                for staff in instance.staff
                if staff.max_shifts.get(kind, 0) > 0
                and day not in instance.days_off.get(staff.id, ())
            )
            minutes = instance.shifts[kind][0]
            for slot in range(max(requirement, able)):
                required = slot < requirement
                shifts.append(
                    Shift(
                        id=len(shifts) + 1,
                        site=1,
                        client=1,
                        start=_minutes(day),
                        end=_minutes(day) + minutes,
                        day=ordinal,
                        end_day=ordinal + (minutes - 1) // DAY,
                        week=MONDAY + 7 * (day // 7),
                        post=post,
                        kind=kind,
                        open_weight=under if required else 0,
                        fill_weight=0 if required else over,
                        label=f"day {day} {kind}",
                    )
                )
    weeks = {
        MONDAY + 7 * w: Week(MONDAY + 7 * w, _minutes(7 * w), _minutes(7 * w + 7))
        for w in range((instance.days + 6) // 7)
    }
    rules = Rules(
        max_daily_minutes=DAY,
        max_weekly_minutes=7 * DAY,
        max_weekly_overtime_minutes=0,
        min_rest_minutes=0,
        weekly_rest_minutes=0,
        weight_off_client=0,
        weight_post_change=0,
        weight_fairness=0,
        weight_overtime=0,
        forbidden_successions=frozenset(
            (kind, following)
            for kind, (_minutes_long, cannot_follow) in instance.shifts.items()
            for following in cannot_follow
        ),
    )
    by_name = {staff.id: index + 1 for index, staff in enumerate(instance.staff)}
    requests = [
        Request(by_name[name], MONDAY + day, kind, on, weight)
        for on, rows in ((True, instance.on_requests), (False, instance.off_requests))
        for name, day, kind, weight in rows
    ]
    return Problem(
        guards=guards,
        shifts=shifts,
        weeks=weeks,
        rules=rules,
        requests=requests,
        horizon=(MONDAY, MONDAY + instance.days - 1),
    )


def assignment(problem: Problem, roster: Roster) -> dict[tuple[str, int], list[str]]:
    """(staff id, day index) -> the shift kinds the roster gives them that day."""
    worked: dict[tuple[str, int], list[str]] = {}
    for shift in problem.shifts:
        guard = roster.get(shift.id)
        if guard is not None:
            key = (problem.guard_by_id[guard].name, shift.day - MONDAY)
            worked.setdefault(key, []).append(shift.kind)
    return worked


def score(instance: Instance, worked: dict[tuple[str, int], list[str]]) -> tuple[int, list[str]]:
    """The benchmark's objective of a roster and its hard-rule breaches, from the instance
    alone (the published interpretation, ../shared/benchmarks/README.md)."""
    penalty, breaches = 0, []
    for name, day, kind, weight in instance.on_requests:
        if kind not in worked.get((name, day), []):
            penalty += weight
    for name, day, kind, weight in instance.off_requests:
        if kind in worked.get((name, day), []):
            penalty += weight
    for (day, kind), (requirement, under, over) in instance.cover.items():
        count = sum(1 for staff in instance.staff if kind in worked.get((staff.id, day), []))
        penalty += under * max(0, requirement - count) + over * max(0, count - requirement)
    last = instance.days - 1
    for staff in instance.staff:
        kinds = {day: worked.get((staff.id, day), []) for day in range(instance.days)}
        on = [bool(kinds[day]) for day in range(instance.days)]
        for day, today in kinds.items():
            if len(today) > 1:
                breaches.append(f"{staff.id}: {len(today)} shifts on day {day}")
            if today and day in instance.days_off.get(staff.id, ()):
                breaches.append(f"{staff.id}: works day off {day}")
            for kind in today:
                if day < last and set(kinds[day + 1]) & instance.shifts[kind][1]:
                    breaches.append(f"{staff.id}: forbidden succession after day {day}")
        for kind, most in staff.max_shifts.items():
            count = sum(kinds[day].count(kind) for day in kinds)
            if count > most:
                breaches.append(f"{staff.id}: {count} {kind} shifts > {most}")
        minutes = sum(instance.shifts[kind][0] for today in kinds.values() for kind in today)
        if not staff.min_minutes <= minutes <= staff.max_minutes:
            breaches.append(f"{staff.id}: {minutes} minutes")
        weekends = sum(
            1 for sat in range(5, instance.days, 7) if on[sat] or (sat + 1 <= last and on[sat + 1])
        )
        if weekends > staff.max_weekends:
            breaches.append(f"{staff.id}: {weekends} weekends")
        day = 0
        while day <= last:  # stretches of equal state
            end = day
            while end + 1 <= last and on[end + 1] == on[day]:
                end += 1
            length, inside = end - day + 1, day > 0 and end < last
            if on[day] and length > staff.max_consecutive:
                breaches.append(f"{staff.id}: {length} consecutive days from day {day}")
            if on[day] and inside and length < staff.min_consecutive:
                breaches.append(f"{staff.id}: {length}-day stretch from day {day}")
            if not on[day] and inside and length < staff.min_days_off:
                breaches.append(f"{staff.id}: {length} days off from day {day}")
            day = end + 1
    return penalty, breaches


def parse_instances(text: str) -> list[int]:
    """ "1-10", "1,3,5", "11-13,15" -> instance numbers."""
    numbers: list[int] = []
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        numbers.extend(range(int(first), int(last or first) + 1))
    return numbers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", default="1-10", help='Like "1-10" or "1,3,11-13".')
    parser.add_argument("--time-limit", type=float, default=60.0, help="Seconds per instance.")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT workers (cores).")
    parser.add_argument(
        "--deterministic-limit",
        type=float,
        help="CP-SAT deterministic time instead of --time-limit seconds (with --workers 1: "
        "the same rosters on any machine).",
    )
    parser.add_argument("--data", type=Path, default=DATA, help="Folder of Instance<N>.txt.")
    args = parser.parse_args()
    for number in parse_instances(args.instances):
        instance = read_instance(args.data / f"Instance{number}.txt")
        problem = to_problem(instance)
        solution = solve(
            problem,
            time_limit=args.time_limit,
            workers=args.workers,
            deterministic_limit=args.deterministic_limit,
        )
        stats = solution.stats
        objective, breaches = score(instance, assignment(problem, solution.roster))
        best = BEST.get(number, 0)
        bound = stats.best_bound or 0
        print(
            f"Instance{number} objective={objective} best={best} bound={math.ceil(bound - 1e-6)}"
            f" seconds={stats.seconds:.1f} size={instance.days}x{len(instance.staff)}x"
            f"{len(instance.shifts)} gap={100 * (objective - best) / max(1, best):.1f}%"
            f" hard={len(breaches) + len(check(problem, solution.roster))}"
            f" model={stats.cpsat_objective} used={stats.used}"
            f" status={'/'.join(stats.week_status).replace(' ', '_') or '-'}",
            flush=True,
        )
    limit = (
        f"--time-limit {args.time_limit:g}"
        if args.deterministic_limit is None
        else f"--deterministic-limit {args.deterministic_limit:g}"
    )
    print(
        f"Rerun: .venv/bin/python bench/curtois.py --instances {args.instances} {limit} "
        f"--workers {args.workers}"
    )


if __name__ == "__main__":
    main()
