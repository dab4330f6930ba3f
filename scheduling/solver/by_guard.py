"""A period roster one guard at a time: every rule but cover is about one guard, so one
guard's whole period is a small model, nearly always solved at once, where the whole period's
model may be too big for CP-SAT to find any roster in the time.

- `seed_by_guard` builds a roster guard after guard, each taking the best it can of the slots
  the guards before it left (the first roster of a period where local search finds none);
- `improve_by_guard` then solves each guard again, everyone else's shifts fixed, then teams
  of two to MOST_IN_A_TEAM guards (who can swap shifts): each step is exact for its guards
  and only a better roster is taken, so the roster never gets worse (block coordinate
  descent). Each step has all the budget's workers: a second one searches the same small
  model differently (Curtois 23: 71,450 against 213,073 with one worker, 300 s).

Both work on groups of interchangeable slots (`model.slot_groups`), as the period model does:
one guard holds at most one slot of a group, and the guards holding a group take its first
slots (most gainful first), so a guard joining a group pays exactly the next slot's price.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable

from ortools.sat.python import cp_model

from scheduling.solver.model import RANDOM_SEED, Budget, WeekModel, slot_groups
from scheduling.solver.problem import Guard, Problem, Roster, Shift, evaluate

FIXED_SEARCH_SECONDS = 3.0  # at least this long for one guard's first roster
LEAST_STEP = 0.2  # no guard's solve is given less time than this
MOST_IN_A_TEAM = 4  # guards solved together at most


class _Holdings:
    """Who holds which group of interchangeable slots, and what one guard's model is."""

    def __init__(self, problem: Problem, decided: Roster, weeks: set[int]) -> None:
        self.problem, self.decided, self.weeks = problem, decided, weeks
        # The period model's groups: lead's id -> slots, most gainful first.
        slots = [shift for shift in problem.open_to_fill if shift.week in weeks]
        self.members, self.lead_of = slot_groups(problem, slots, group=True)
        self.holders: dict[int, set[int]] = defaultdict(set)  # lead -> guards
        self.held: dict[int, set[int]] = defaultdict(set)  # guard -> leads
        self.own_shifts: dict[int, list[Shift]] = defaultdict(list)  # outside the groups
        for shift in problem.shifts:
            holder = decided.get(shift.id, shift.fixed_guard)
            if holder is not None:
                self.own_shifts[holder].append(shift)

    def take(self, guard: int, leads: set[int]) -> None:
        for lead in self.held.pop(guard, set()):
            self.holders[lead].discard(guard)
        self.held[guard] = set(leads)
        for lead in leads:
            self.holders[lead].add(guard)

    def hold(self, roster: Roster) -> None:
        """Start from `roster` (its slots in the groups)."""
        for guard, leads in self.leads_in(roster).items():
            self.take(guard, leads)

    def slots_for(self, team: set[int], leads: set[int] | None = None) -> list[Shift]:
        """Per group (of `leads`, default all): the slots `team` could take, the next after
        the other holders', one per member at most. In the period's order (the fixed search
        takes them in that order: day by day)."""
        slots = []
        for lead, members in self.members.items():
            if leads is None or lead in leads:
                others = len(self.holders[lead] - team)
                slots.extend(members[others : others + len(team)])
        return slots

    def now(self, team: set[int], slots: list[Shift]) -> Roster:
        """What `team` holds, on `slots` (each group's holders on its first slots there)."""
        free: dict[int, list[Shift]] = defaultdict(list)
        for slot in slots:
            free[self.lead_of[slot.id]].append(slot)
        roster: Roster = {}
        for lead, group in free.items():
            for slot, guard in zip(group, sorted(self.holders[lead] & team), strict=False):
                roster[slot.id] = guard
        return roster

    def model(self, guards: list[Guard], slots: list[Shift]) -> WeekModel | None:
        """The period model of `guards` alone over their own shifts and `slots`, every rule
        of theirs stated; None when it has nothing to decide."""
        problem = self.problem
        team = {guard.id for guard in guards}
        alone = Problem(
            guards=guards,
            shifts=[s for guard in guards for s in self.own_shifts.get(guard.id, [])] + slots,
            weeks=problem.weeks,
            rules=problem.rules,
            site_names=problem.site_names,
            requests=[request for request in problem.requests if request.guard in team],
            horizon=problem.period,
        )
        model = WeekModel(
            alone, self.weeks, self.decided, None, group=True, period_rules=True, prune=False
        )
        if not model.works:
            return None
        if problem.rules.weekly_rest_minutes:
            model.add_weekly_rest(team)
        return model

    def leads_in(self, part: Roster) -> dict[int, set[int]]:
        """Per guard: the groups `part` gives it."""
        leads: dict[int, set[int]] = defaultdict(set)
        for slot, guard in part.items():
            if guard is not None and slot in self.lead_of:
                leads[guard].add(self.lead_of[slot])
        return leads

    def roster(self) -> Roster:
        """Each group's holders on its first slots."""
        roster: Roster = {}
        for lead, guards in self.holders.items():
            for member, guard in zip(self.members[lead], sorted(guards), strict=False):
                roster[member.id] = guard
        return roster


def _first_roster(model: WeekModel, limit: float, budget: Budget) -> Roster | None:
    """Any roster of a one-guard model, by a fixed search that takes shifts day by day:
    CP-SAT's default search tries "off" first and, over a long period, keeps failing the
    contract's minimum minutes (Curtois 22: no roster in a second for nearly every guard,
    where this finds one in half a second). Where it thrashes (a late dead end undone day by
    day), local search; neither when the fixed search proves there is none."""
    works = list(model.works.values())
    model.model.add_decision_strategy(works, cp_model.CHOOSE_FIRST, cp_model.SELECT_MAX_VALUE)
    part, _value, _bound, status = model.solve(0, limit, budget, fixed_search=True)
    model.model.proto.search_strategy.clear()
    if part is None and status != "INFEASIBLE":
        part, _value, _bound, _status = model.solve(0, limit, budget, local_search=True)
    return part


def seed_by_guard(
    problem: Problem,
    decided: Roster,
    weeks: set[int],
    limit: float,
    budget: Budget,
    within: dict[int, set[int]] | None = None,
    stop: float | None = None,
) -> Roster:
    """A roster built one guard at a time: each guard's whole period, every rule of theirs
    kept and the slots the guards before took fixed; first any roster (`_first_roster`),
    then the best for the goals as they stand from it.

    A guard whose model has no solution gets nothing (the whole model then settles it), and so
    do the guards not reached by `stop` (Curtois 24: 150 guards, 2 s a guard). `limit` is
    the share the guards split; past it the guards left get their first roster only, until
    `stop` (by default the limit; Curtois 22's 50 guards need more than their share).
    `within`: per guard, the groups (their lead slots) a pruned model kept, tried first: each
    guard's model is then a fraction. A guard whose kept groups admit no roster gets one from
    all its groups, outside that model (`solve_period` then goes on guard by guard)."""
    began = budget.elapsed()
    stop = limit if stop is None else max(limit, stop)
    holdings = _Holdings(problem, decided, weeks)
    guards = sorted(problem.guards, key=lambda guard: guard.id)
    for index, guard in enumerate(guards):
        if stop - (budget.elapsed() - began) <= 0:
            break  # the guards not reached get nothing: the whole model settles them
        tries = [None]  # every group
        if within is not None:
            # The model's kept groups first; where they admit no roster (too few to meet
            # the contract's minimums), every group.
            tries.insert(0, within.get(guard.id, set()))
        share = max(0.0, limit - (budget.elapsed() - began)) / (len(guards) - index)
        started = budget.elapsed()
        model = part = None
        for leads in tries:
            model = holdings.model([guard], holdings.slots_for({guard.id}, leads))
            if model is None:
                continue
            remaining = stop - (budget.elapsed() - began)
            first = min(max(FIXED_SEARCH_SECONDS, share), max(LEAST_STEP, remaining))
            part = _first_roster(model, first, budget)
            if part is not None:
                break
        if model is None:
            continue
        # Then the best for the goals in what is left of the share, from that roster.
        if part is not None:
            model.hint(part)
        left = share - (budget.elapsed() - started)
        if part is None or left > LEAST_STEP:
            better, _value, _bound, _status = model.solve(
                model.weighted_objective(), max(LEAST_STEP, left), budget
            )
            part = better or part
        if part:
            holdings.take(guard.id, holdings.leads_in(part)[guard.id])
    return holdings.roster()


def improve_by_guard(
    problem: Problem,
    decided: Roster,
    weeks: set[int],
    roster: Roster,
    limit: float,
    budget: Budget,
    within: dict[int, set[int]] | None = None,
    on_improve: Callable[[], None] | None = None,
) -> tuple[Roster, int]:
    """`roster` (valid) improved by solving guards again, everyone else's shifts fixed, round
    after round within `limit`: the roster, and how many steps improved it.

    First each guard alone, until a round improves nothing; then teams of two, three, ...
    guards (drawn at random each round), who can swap shifts, which no guard alone can. A
    step starts from the team's roster (a complete hint), and only a better one is taken, so
    the roster never gets worse. `within`: per guard, the groups a pruned model kept (plus
    those it holds): each step's model is then a fraction. `on_improve` is called after
    each step that improves the roster (progress for the manager waiting on it)."""
    began = budget.elapsed()
    holdings = _Holdings(problem, decided, weeks)
    holdings.hold(roster)
    guards = sorted(problem.guards, key=lambda guard: guard.id)
    rng = random.Random(RANDOM_SEED)
    improved, size = 0, 1
    while size <= min(MOST_IN_A_TEAM, len(guards)):
        order = list(guards)
        if size > 1:
            rng.shuffle(order)
        teams = [order[i : i + size] for i in range(0, len(order), size)]
        changed = False
        for index, members in enumerate(teams):
            step = (limit - (budget.elapsed() - began)) / (len(teams) - index)
            if step < LEAST_STEP:
                return holdings.roster(), improved
            team = {guard.id for guard in members}
            leads = None
            if within is not None:
                leads = set().union(
                    *(within.get(guard, set()) | holdings.held.get(guard, set()) for guard in team)
                )
            slots = holdings.slots_for(team, leads)
            model = holdings.model(members, slots)
            if model is None:
                continue
            now = holdings.now(team, slots)
            model.hint(now)
            part, _value, _bound, _status = model.solve(model.weighted_objective(), step, budget)
            # Only a better roster moves (an equal one only churns).
            if part is not None and _cost(model, decided, part) < _cost(model, decided, now):
                taken = holdings.leads_in(part)
                for guard in team:
                    holdings.take(guard, taken.get(guard, set()))
                improved += 1
                changed = True
                if on_improve is not None:
                    on_improve()
        if not changed:
            size += 1  # no team of this size can do better: larger teams
    return holdings.roster(), improved


def _cost(model: WeekModel, decided: Roster, part: Roster) -> float:
    """What `part` costs in a team's model (scored as `evaluate` scores a whole roster)."""
    return evaluate(model.problem, {**decided, **part}).objective
