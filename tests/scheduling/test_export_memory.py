"""The roster CSV streams: four weeks of shifts never sit in memory at once (issue 16).

bench/export.py measures it at 100,000 guards; this pins it loosely on 11,200 shifts
(`seed_demo --prefix export --orgs 1 --guards 2000 --weeks 4`), read 200 rows at a time.
"""

import datetime as dt
import tracemalloc
import zoneinfo

import pytest
from django.core.management import call_command
from django.http import StreamingHttpResponse
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from organizations.models import User
from rostracore.tenancy.db import OWNER_ALIAS
from scheduling import views

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "owner"])


def test_four_weeks_of_csv_stream_in_chunks_and_never_sit_in_memory(client, monkeypatch):
    with override_settings(DEBUG=True):  # seed_demo's guard against production
        call_command("seed_demo", prefix="export", orgs=1, guards=2000, weeks=4, jobs=1)
    manager = User.objects.using(OWNER_ALIAS).get(username="manager@export-001.example")
    client.force_login(manager)
    monkeypatch.setattr(views, "EXPORT_CHUNK", 200)

    client.get(reverse("scheduling:export_csv"), {"end": "2000-01-01"})  # warm: imports
    # The seeded shifts start on the organization's today, and the view reads ?start= and
    # ?end= there too; the machine's (UTC) today is a day behind it after 22:00 UTC.
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(manager.org.timezone))
    one_week = _export(client, today, weeks=1)
    four_weeks = _export(client, today, weeks=4)
    assert four_weeks["lines"] == 1 + 11_200  # the header and every shift of the 4 weeks
    assert four_weeks["chunks"] >= 11_200 // 200  # written as read, a batch at a time
    assert four_weeks["size"] > 3.5 * one_week["size"]
    # Streamed, the peak of Python's allocations does not grow with the rows: four times
    # the CSV, (loosely) the same peak. All rows at once would be four times the memory.
    assert four_weeks["peak"] < 1.5 * one_week["peak"], (one_week, four_weeks)


def _export(client, today: dt.date, *, weeks: int) -> dict[str, int]:
    query = {"start": today, "end": today + dt.timedelta(weeks=weeks)}
    tracemalloc.start()
    try:
        response = client.get(reverse("scheduling:export_csv"), query)
        assert isinstance(response, StreamingHttpResponse)
        size = lines = chunks = 0
        for chunk in response.streaming_content:
            size += len(chunk)
            lines += chunk.count(b"\n")
            chunks += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return {"size": size, "lines": lines, "chunks": chunks, "peak": peak}
