import functools

import pytest

from scheduling.solver import solve

# The seed tests solve rosters through the app too: seed_demo rosters the current week, and
# tests/operations/test_seed_demo.py the first four weeks. The four weeks are bounded like
# every roster of tests/scheduling (`solver_bounded_by_work`, asked for by name).
from tests.scheduling.conftest import solver_bounded_by_work  # noqa: F401

# CP-SAT deterministic time for the seed's own week: the greedy roster and a little search.
# The seed's roster is the scenery of these tests, not their subject, and every test seeds.
SEED_WORK = 0.5


@pytest.fixture
def seed_solver_bounded_by_work(monkeypatch):
    """seed_demo's own week solved on one CP-SAT worker within SEED_WORK deterministic time
    (instead of its SEED_TIME_LIMIT seconds): quick, and the same on a busy machine."""
    monkeypatch.setattr(
        "scheduling.services.solve",
        functools.partial(solve, workers=1, deterministic_limit=SEED_WORK),
    )
