from tests.crawl.world import _module_world, http_a, world  # noqa: F401  (fixtures)


def pytest_terminal_summary(terminalreporter):
    """Accepted and rejected examples per form, when the fuzzing ran."""
    from tests.forms.test_hostile_input import OUTCOMES

    for name, outcome in sorted(OUTCOMES.items()):
        terminalreporter.write_line(
            f"form fuzzing, {name}: {outcome['accepted']} accepted, {outcome['rejected']} rejected"
        )
