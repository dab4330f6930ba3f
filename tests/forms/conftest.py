from tests.crawl.world import _module_world, http_a, http_guard, world  # noqa: F401  (fixtures)
