from tests.crawl.world import _module_world, http_a, world  # noqa: F401  (fixtures)
