"""Random but realistic rostering problems, for `bench/roster.py` and the property tests.

Sites belong to clients and have 24/7 posts (06:00-18:00 and 18:00-06:00) or weekday posts
(07:00-17:00), some with two guards per slot; some sites are armed, need an induction or a
high grade. Most guards are dedicated to a client, the rest are the flex pool; some hold a
firearm competency (a few expiring mid-roster), some are on leave. Times are UTC (no DST);
the ORM adapter (`scheduling.adapter.build_problem`) handles real timezones.
"""

from __future__ import annotations

import datetime as dt
import random

from scheduling.solver.problem import HOUR, Guard, Problem, Rules, Shift, Week

EPOCH_DAY = dt.date(1970, 1, 1).toordinal()
MONDAY = dt.date(2027, 3, 1)  # a Monday


def _minutes(day: int, hour: int) -> int:
    return (day - EPOCH_DAY) * 24 * HOUR + hour * HOUR


def random_problem(
    *,
    seed: int,
    guards: int,
    sites: int,
    weeks: int = 4,
    shifts_per_site_day: float = 2.2,
    flex_share: float = 0.3,
    armed_share: float = 0.15,
    firearm_share: float = 0.25,
    induction_share: float = 0.2,
    leave_share: float = 0.05,
    rules: Rules | None = None,
) -> Problem:
    rng = random.Random(seed)
    first = MONDAY.toordinal()
    days = range(first, first + 7 * weeks)
    n_clients = max(1, sites // 3)
    site_client = {s: (s % n_clients) + 1 for s in range(1, sites + 1)}
    site_grade = {
        s: rng.choices("EDCBA", weights=[40, 25, 20, 10, 5])[0] for s in range(1, sites + 1)
    }
    site_armed = {s: rng.random() < armed_share for s in range(1, sites + 1)}
    site_induction = {s: rng.random() < induction_share for s in range(1, sites + 1)}

    # Posts until the average daily shift count per site is reached.
    posts: list[tuple[int, int, list[tuple[int, int]], bool, int]] = []  # site, id, times..
    post_id = 0
    for site in range(1, sites + 1):
        per_day = 0.0
        target = shifts_per_site_day * rng.uniform(0.6, 1.4)
        while per_day < target - 0.5:
            post_id += 1
            headcount = 2 if rng.random() < 0.2 else 1
            if rng.random() < 0.75:
                posts.append((site, post_id, [(6, 12), (18, 12)], False, headcount))
                per_day += 2 * headcount
            else:
                posts.append((site, post_id, [(7, 10)], True, headcount))
                per_day += 5 / 7 * headcount

    shifts: list[Shift] = []
    for site, post, times, weekdays_only, headcount in posts:
        for day in days:
            if weekdays_only and dt.date.fromordinal(day).weekday() >= 5:
                continue
            for start_hour, length in times:
                start = _minutes(day, start_hour)
                end = start + length * HOUR
                end_day = EPOCH_DAY + end // (24 * HOUR) - (1 if end % (24 * HOUR) == 0 else 0)
                for _slot in range(headcount):
                    shifts.append(
                        Shift(
                            id=len(shifts) + 1,
                            site=site,
                            client=site_client[site],
                            start=start,
                            end=end,
                            day=day,
                            end_day=end_day,
                            week=day - dt.date.fromordinal(day).weekday(),
                            grade=site_grade[site],
                            armed=site_armed[site],
                            induction=site_induction[site],
                            post=post,
                            label=(
                                f"{dt.date.fromordinal(day):%a %d %b} "
                                f"{start_hour:02d}:00-{(start_hour + length) % 24:02d}:00 "
                                f"at Site {site}"
                            ),
                        )
                    )

    guard_list: list[Guard] = []
    last = days[-1]
    for guard_id in range(1, guards + 1):
        client = None if rng.random() < flex_share else rng.randint(1, n_clients)
        firearm = None
        if rng.random() < firearm_share:
            firearm = last + 365 if rng.random() > 0.1 else rng.choice(list(days))
        registration = rng.choice(list(days)) if rng.random() < 0.02 else last + 700
        inducted = frozenset(
            s
            for s in range(1, sites + 1)
            if site_induction[s]
            and (site_client[s] == client or (client is None and rng.random() < 0.3))
        )
        absences: tuple[tuple[int, int], ...] = ()
        if rng.random() < leave_share:
            start_day = rng.choice(list(days))
            absences = ((_minutes(start_day, 0), _minutes(start_day + rng.randint(3, 7), 0)),)
        guard_list.append(
            Guard(
                id=guard_id,
                grade=rng.choices("ABCDE", weights=[5, 15, 30, 25, 25])[0],
                client=client,
                registration_expires=registration,
                firearm_expires=firearm,
                inducted_sites=inducted,
                absences=absences,
                name=f"Guard {guard_id}",
            )
        )

    week_map = {
        key: Week(key=key, start=_minutes(key, 0), end=_minutes(key + 7, 0))
        for key in range(first, first + 7 * weeks, 7)
    }
    return Problem(
        guards=guard_list,
        shifts=shifts,
        weeks=week_map,
        rules=rules or Rules(),
        site_names={s: f"Site {s}" for s in range(1, sites + 1)},
    )
