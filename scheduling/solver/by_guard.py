"""A period roster one guard at a time: every rule but cover is about one guard, so one
guard's whole period is a small model, nearly always solved at once, where the whole period's
model may be too big for CP-SAT to find any roster in the time.

- `seed_by_guard` builds a roster guard after guard, each taking the best it can of the slots
  the guards before it left (the first roster of a period where local search finds none);
- `improve_by_guard` then solves each guard again, everyone else's shifts fixed: each step is
  exact for that guard, so the roster never gets worse (coordinate descent).

Both work on groups of interchangeable slots (`model.group_key`), as the period model does:
one guard holds at most one slot of a group, and the guards holding a group take its first
slots (most gainful first), so a guard joining a group pays exactly the next slot's price.
"""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from scheduling.solver.model import Budget, WeekModel, group_key
from scheduling.solver.problem import Guard, Problem, Roster, Shift, evaluate

FIXED_SEARCH_SECONDS = 3.0  # at least this long for one guard's first roster
LEAST_STEP = 0.2  # no guard's solve is given less time than this


class _Holdings:
    """Who holds which group of interchangeable slots, and what one guard's model is."""

    def __init__(self, problem: Problem, decided: Roster, weeks: set[int]) -> None:
        self.problem, self.decided, self.weeks = problem, decided, weeks
        groups: dict[tuple, list[Shift]] = defaultdict(list)
        for shift in problem.open_to_fill:
            if shift.week in weeks:
                groups[group_key(shift, True)].append(shift)
        self.members: dict[int, list[Shift]] = {}  # lead's id -> slots, most gainful first
        self.lead_of: dict[int, int] = {}
        for members in groups.values():
            members.sort(key=lambda s: (-(problem.open_weight(s) - s.fill_weight), s.id))
            self.members[members[0].id] = members
            for member in members:
                self.lead_of[member.id] = members[0].id
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
        leads: dict[int, set[int]] = defaultdict(set)
        for slot, guard in roster.items():
            if guard is not None and slot in self.lead_of:
                leads[guard].add(self.lead_of[slot])
        for guard, held in leads.items():
            self.take(guard, held)

    def slots_for(self, guard: int, leads=None) -> dict[int, Shift]:
        """Per group (of `leads`, default all): the slot `guard` would take, the next after
        the other holders'; groups the others fill are left out. In the period's order (the
        fixed search takes them in that order: day by day)."""
        slots = {}
        for lead, members in self.members.items():
            if leads is not None and lead not in leads:
                continue
            others = len(self.holders[lead]) - (guard in self.holders[lead])
            if others < len(members):
                slots[lead] = members[others]
        return slots

    def model(self, guard: Guard, slots: dict[int, Shift]) -> WeekModel | None:
        """The period model of `guard` alone over its own shifts and `slots`, every rule of
        its stated; None when it has nothing to decide."""
        problem = self.problem
        alone = Problem(
            guards=[guard],
            shifts=self.own_shifts.get(guard.id, []) + list(slots.values()),
            weeks=problem.weeks,
            rules=problem.rules,
            site_names=problem.site_names,
            requests=[request for request in problem.requests if request.guard == guard.id],
            horizon=problem.period,
        )
        model = WeekModel(
            alone, self.weeks, self.decided, None, group=True, period_rules=True, prune=False
        )
        if not model.works:
            return None
        if problem.rules.weekly_rest_minutes:
            model.add_weekly_rest({guard.id})
        return model

    def leads_in(self, part: Roster) -> set[int]:
        return {self.lead_of[slot] for slot, guard in part.items() if guard is not None}

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


def _alone_budget(budget: Budget) -> Budget:
    # One worker: a guard's model is small, and a second thread only competes for the core.
    return Budget(
        workers=1, deterministic=budget.deterministic, spent=budget.spent, started=budget.started
    )


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
    all its groups, outside that model (`solve_period` then widens it)."""
    began = budget.elapsed()
    stop = limit if stop is None else max(limit, stop)
    holdings = _Holdings(problem, decided, weeks)
    guards = sorted(problem.guards, key=lambda guard: guard.id)
    alone_budget = _alone_budget(budget)
    for index, guard in enumerate(guards):
        if stop - (alone_budget.elapsed() - began) <= 0:
            break  # the guards not reached get nothing: the whole model settles them
        tries = [None]  # every group
        if within is not None:
            # The model's kept groups first; where they admit no roster (too few to meet
            # the contract's minimums), every group, and the caller widens its model.
            tries.insert(0, within.get(guard.id, set()))
        share = max(0.0, limit - (alone_budget.elapsed() - began)) / (len(guards) - index)
        started = alone_budget.elapsed()
        model = part = None
        for leads in tries:
            model = holdings.model(guard, holdings.slots_for(guard.id, leads))
            if model is None:
                continue
            remaining = stop - (alone_budget.elapsed() - began)
            first = min(max(FIXED_SEARCH_SECONDS, share), max(LEAST_STEP, remaining))
            part = _first_roster(model, first, alone_budget)
            if part is not None:
                break
        if model is None:
            continue
        # Then the best for the goals in what is left of the share, from that roster.
        if part is not None:
            model.hint(part)
        left = share - (alone_budget.elapsed() - started)
        if part is None or left > LEAST_STEP:
            better, _value, _bound, _status = model.solve(
                model.weighted_objective(), max(LEAST_STEP, left), alone_budget
            )
            part = better or part
        if part:
            holdings.take(guard.id, holdings.leads_in(part))
    budget.spent = alone_budget.spent
    return holdings.roster()


def improve_by_guard(
    problem: Problem,
    decided: Roster,
    weeks: set[int],
    roster: Roster,
    limit: float,
    budget: Budget,
    within: dict[int, set[int]] | None = None,
) -> tuple[Roster, int]:
    """`roster` (valid) improved by solving each guard again, everyone else's shifts fixed,
    round after round, within `limit`: the roster, and how many guards' rosters improved.

    A guard's step starts from its roster (a complete hint, so CP-SAT returns nothing worse)
    and, with the others fixed, prices every slot as the whole model does: the step is exact
    for that guard. `within`: per guard, the groups a pruned model kept (plus those it holds)."""
    began = budget.elapsed()
    holdings = _Holdings(problem, decided, weeks)
    holdings.hold(roster)
    guards = sorted(problem.guards, key=lambda guard: guard.id)
    alone_budget = _alone_budget(budget)
    improved = 0
    changed = True
    while changed:  # a round that changes nothing: no guard alone can do better
        changed = False
        for index, guard in enumerate(guards):
            step = (limit - (alone_budget.elapsed() - began)) / (len(guards) - index)
            if step < LEAST_STEP:
                changed = False
                break
            held = set(holdings.held.get(guard.id, ()))
            leads = None if within is None else within.get(guard.id, set()) | held
            slots = holdings.slots_for(guard.id, leads)
            model = holdings.model(guard, slots)
            if model is None:
                continue
            now = {slots[lead].id: guard.id for lead in held}
            model.hint(now)
            part, _value, _bound, _status = model.solve(
                model.weighted_objective(), step, alone_budget
            )
            # Only a better roster moves (an equal one only churns).
            if part is not None and _cost(model, decided, part) < _cost(model, decided, now):
                holdings.take(guard.id, holdings.leads_in(part))
                improved += 1
                changed = True
    budget.spent = alone_budget.spent
    return holdings.roster(), improved


def _cost(model: WeekModel, decided: Roster, part: Roster) -> float:
    """What `part` costs in a one-guard model (the same goals as the whole model's)."""
    return evaluate(model.problem, {**decided, **part}).objective
