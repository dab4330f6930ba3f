"""A proven lower bound on the open shifts of any valid roster, per week, by max flow.

The relaxation keeps qualifications, leave, the daily and weekly caps and "one shift at a
time" and drops the rest rules: guards -> guard-durations -> guard-days -> groups of
identical shifts. Any valid roster has at least this many open shifts, so open == bound proves
the minimum. `solve` reports it, and the search states it in each week's model so CP-SAT
stops as soon as it gets there.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from ortools.graph.python import max_flow

from scheduling.solver.problem import Guard, Problem, Shift, is_qualified

SOURCE, SINK = 0, 1


def open_lower_bound(problem: Problem) -> int:
    """A proven lower bound on the open shifts of any valid roster (see module docstring)."""
    return sum(open_lower_bounds(problem).values())


def open_lower_bounds(problem: Problem) -> dict[int, int]:
    """Per week: a proven lower bound on that week's open shifts in any valid roster.

    Max flow: guard class -> (class, duration) -> (class, duration, day) -> group of
    simultaneous shifts with the same requirements -> sink. A guard works at most room // d
    shifts of length >= d in a week and room // shortest in all (daily likewise), and at most
    one of a group (they overlap). Guards with the same qualifications and fixed load form a
    class whose capacities are the sums of its members': merging only relaxes, so the bound
    stays valid and the network stays small.
    """
    rules = problem.rules
    fixed_day_minutes: dict[tuple[int, int], int] = defaultdict(int)  # by (guard id, day)
    fixed_week_minutes: dict[tuple[int, int], int] = defaultdict(int)  # by (guard id, week)
    for shift in problem.shifts:
        if shift.fixed_guard is not None:
            fixed_day_minutes[(shift.fixed_guard, shift.day)] += shift.minutes
            fixed_week_minutes[(shift.fixed_guard, shift.week)] += shift.minutes
    fixed_days: dict[int, list[tuple[int, int]]] = defaultdict(list)  # guard id -> (day, min)
    for (guard_id, day), minutes in fixed_day_minutes.items():
        fixed_days[guard_id].append((day, minutes))
    shifts_by_week: dict[int, list[Shift]] = defaultdict(list)
    for shift in problem.open_to_fill:
        if problem.open_weight(shift):  # optional slots (over-cover) may stay open for free
            shifts_by_week[shift.week].append(shift)
    bounds: dict[int, int] = {}
    for week, shifts in shifts_by_week.items():
        # A class key: the qualifications, then the fixed week's minutes (index 6) and the
        # fixed (day, minutes) loads (index 7).
        classes: dict[tuple, list[Guard]] = defaultdict(list)
        for guard in problem.guards:
            classes[
                (
                    guard.grade,
                    guard.registration_expires,
                    guard.firearm_expires,
                    guard.inducted_sites,
                    guard.absences,
                    guard.contract,
                    fixed_week_minutes[(guard.id, week)],
                    tuple(sorted(fixed_days.get(guard.id, ()))),
                )
            ].append(guard)
        groups: dict[tuple, int] = defaultdict(int)  # identical shifts -> how many
        for shift in shifts:
            site = shift.site if shift.induction else None
            key = (
                shift.start,
                shift.end,
                shift.grade,
                shift.armed,
                site,
                shift.day,
                shift.end_day,
                shift.kind,
            )
            groups[key] += 1
        node: dict[tuple, int] = {}

        def number(key: tuple, node: dict = node) -> int:
            if key not in node:
                node[key] = len(node) + 2  # after SOURCE and SINK
            return node[key]

        arcs: list[tuple[int, int, int]] = []  # (tail, head, capacity)
        for index, ((start, end, grade, armed, site, day, end_day, kind), count) in enumerate(
            groups.items()
        ):
            minutes = end - start
            probe = Shift(
                id=-1,
                site=site or 0,
                client=0,
                start=start,
                end=end,
                day=day,
                end_day=end_day,
                week=week,
                grade=grade,
                armed=armed,
                induction=site is not None,
                kind=kind,
            )
            arcs.append((number(("group", index)), SINK, count))
            for key, members in classes.items():
                if is_qualified(members[0], probe):
                    arcs.append(
                        (
                            number(("class day", key, minutes, day)),
                            number(("group", index)),
                            min(len(members), count),
                        )
                    )
        durations: set[tuple] = set()  # (class key, minutes) pairs with a node
        for class_day in [key for key in node if key[0] == "class day"]:
            _, key, minutes, day = class_day
            class_size = len(classes[key])
            fixed_on = dict(key[7])
            arcs.append(
                (
                    number(("class duration", key, minutes)),
                    node[class_day],
                    class_size
                    * max(0, (rules.max_daily_minutes - fixed_on.get(day, 0)) // minutes),
                )
            )
            if (key, minutes) not in durations:
                durations.add((key, minutes))
                room = rules.weekly_cap_minutes - key[6]
                arcs.append(
                    (
                        number(("class", key)),
                        number(("class duration", key, minutes)),
                        class_size * max(0, room // minutes),
                    )
                )
        shortest: dict[tuple, int] = {}
        for key, minutes in durations:
            shortest[key] = min(shortest.get(key, minutes), minutes)
        for key, minutes in shortest.items():
            room = rules.weekly_cap_minutes - key[6]
            arcs.append(
                (SOURCE, number(("class", key)), len(classes[key]) * max(0, room // minutes))
            )
        flow = max_flow.SimpleMaxFlow()
        tails, heads, capacities = zip(*arcs, strict=True)
        flow.add_arcs_with_capacity(
            np.array(tails, dtype=np.int32),
            np.array(heads, dtype=np.int32),
            np.array(capacities, dtype=np.int64),
        )
        filled = flow.optimal_flow() if flow.solve(SOURCE, SINK) == flow.OPTIMAL else len(shifts)
        bounds[week] = len(shifts) - filled
    return bounds
