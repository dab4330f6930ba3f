import functools

import pytest

from scheduling.solver import solve

# CP-SAT deterministic time for each roster these tests generate through the app
# (`run_roster`: the worker, the pages, `generate_roster`): about what the runs' few seconds
# buy, but counted in work, so a slow or busy machine gets the same roster as a fast one.
SOLVER_WORK = 5.0


@pytest.fixture
def solver_bounded_by_work(monkeypatch):
    """The app solves within `time_limit` wall-clock seconds; with this fixture (asked for by
    name, per module) every solve runs on one CP-SAT worker within SOLVER_WORK deterministic
    time instead. (`run_roster` still passes its time limit, which
    tests/scheduling/test_worker.py checks.)"""
    monkeypatch.setattr(
        "scheduling.services.solve",
        functools.partial(solve, workers=1, deterministic_limit=SOLVER_WORK),
    )
