from tests.crawl.world import _module_world, http_a, world  # noqa: F401  (fixtures)


def pytest_terminal_summary(terminalreporter):
    """The crawl's totals (patterns, requests, canary hits, ...), when it ran."""
    from tests.crawl.test_every_url import STATS

    for layer, stats in STATS.items():
        line = ", ".join(f"{name}: {count}" for name, count in sorted(stats.items()))
        terminalreporter.write_line(f"URL crawl, {layer}: {line}")
