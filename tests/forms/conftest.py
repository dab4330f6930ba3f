from tests.crawl.world import http_a, manager_group, world  # noqa: F401  (fixtures)
