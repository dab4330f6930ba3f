"""Browser tests: Playwright driving Debian's Chromium (/usr/bin/chromium).

Playwright cannot download its own browser here, so we point it at the system one; the
test command installs the `chromium` package when it is missing. Screenshots go to
artifacts/screenshots/ (git-ignored).
"""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the test itself only touches
# the database through factories before or after driving the browser.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: run `make test`, which installs Debian's chromium.")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot: `screenshot("employee-list")`."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def start_worker(name: str):
    """The background worker's batch loop (`manage.py db_worker --batch`) in a thread of its
    own, started: it runs what is queued, then stops. The command itself installs signal
    handlers, which only the main thread may do, and the main thread drives the browser.
    Callers join the thread returned."""
    import threading

    from django.db import connection
    from django_tasks_db.management.commands.db_worker import Worker

    def run() -> None:
        try:
            Worker(
                queue_names=["default"],
                interval=0.1,
                batch=True,
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                worker_id=name,
                excluded_queue_names=[],
            ).run()
        finally:
            connection.close()

    thread = threading.Thread(target=run, name=f"worker-{name}")
    thread.start()
    return thread
