"""Counts of an organization's rows kept by the database: what the dashboards show (active
guards, the flex pool, clients, sites, shifts per day) without counting 100,000 rows.

Rows are written by triggers only (`CountRows`, rostracore/tallies/operations.py: each
app's migration puts its own tables on it), whatever path a write took — a page, the admin,
a command, `update()`, a bulk write or raw SQL. A count is the SUM of its rows: each
statement adds its change (+n / -n) to the row of its shard (`pg_backend_pid() % SHARDS`),
so concurrent transactions of one organization mostly update different rows instead of
queueing on one hot row; a reader sums at most SHARDS rows a count. The runtime role may
only read them (apps.py), through row-level security like any tenant table.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Sum

from rostracore.tenancy.models import TenantManager, TenantModel, TenantQuerySet

SHARDS = 8


class OrgCountQuerySet(TenantQuerySet):
    def totals(self, *kinds: str) -> dict[str, int]:
        """{kind: count} of the kinds without a day (0 for a kind with no rows)."""
        rows = (
            self.filter(kind__in=kinds, day__isnull=True)
            .values("kind")
            .annotate(total=Sum("n"))
            .order_by()
        )
        found = {row["kind"]: row["total"] for row in rows}
        return {kind: found.get(kind, 0) for kind in kinds}

    def per_day(self, kinds: tuple[str, ...], start: dt.date, end: dt.date) -> dict:
        """{(kind, day): count} of the days in [start, end) (missing: 0)."""
        rows = (
            self.filter(kind__in=kinds, day__gte=start, day__lt=end)
            .values("kind", "day")
            .annotate(total=Sum("n"))
            .order_by()
        )
        return {(row["kind"], row["day"]): row["total"] for row in rows}


class OrgCount(TenantModel):
    """One shard of one count of an organization (of one local day, for per-day counts)."""

    # The database deletes an organization's counts with it (ON DELETE CASCADE): the
    # offboarding's deletes of guards, clients and shifts update these rows while Django's
    # collector runs, so Django must not collect them first.
    org = models.ForeignKey(
        settings.TENANT_MODEL,
        on_delete=models.DB_CASCADE,
        related_name="+",
        verbose_name="organization",
    )
    kind = models.CharField(max_length=32)
    day = models.DateField(null=True, blank=True, help_text="The local day, for per-day counts.")
    shard = models.SmallIntegerField()
    n = models.BigIntegerField("count")

    objects = TenantManager.from_queryset(OrgCountQuerySet)()

    class Meta(TenantModel.Meta):
        db_table = "org_counts"
        verbose_name = "count"
        constraints = [
            # The triggers' ON CONFLICT target; NULLS NOT DISTINCT: one row per count
            # without a day too. Leads with org_id: a dashboard reads its organization's.
            models.UniqueConstraint(
                fields=["org", "kind", "day", "shard"],
                name="org_counts_key",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.day or ''} #{self.shard}: {self.n}"
