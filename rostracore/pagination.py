"""Pagination whose cost is bounded by the page size, not by the organization's size.

Django's Paginator counts every matching row (`SELECT COUNT(*)` over 100,000 guards on each
page view) and reaches page n with `OFFSET (n - 1) * per_page`, so the last page of a big
list reads the whole list first. `CappedPaginator` instead:

- counts at most `cap` rows (`SELECT COUNT(*) FROM (... LIMIT cap + 1)`): a list longer
  than that says "10,000+" (`capped`) and offers the pages up to the cap;
- serves the last page by reading the list backwards (`last_page()`: the reversed ordering,
  `LIMIT per_page`, which an index scans backwards), so "Last" costs what page 1 costs.

So no page reads more than `cap + per_page` index entries, whatever the organization's size
(bench/pages.py; tests/performance/test_plans.py checks the plans). Used by the employee
list, the Rosters page, the board, the requests inbox (employees, scheduling, guards) and
every tenant admin changelist (rostracore.tenancy.admin).
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.utils.functional import cached_property

COUNT_CAP = 10_000
LAST = "last"  # the ?page= value of the last page


class CappedPaginator(Paginator):
    def __init__(
        self,
        object_list,
        per_page,
        orphans: int = 0,
        allow_empty_first_page: bool = True,
        *,
        cap: int = COUNT_CAP,
    ) -> None:  # positional like Paginator's: ModelAdmin.get_paginator passes them so
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        """The number of rows, at most `cap` (`capped` says whether there are more)."""
        # Unordered: any index may count (the narrowest, often index-only), not only the
        # one that serves the page's order.
        counted = self.object_list.order_by()[: self.cap + 1].count()
        self._capped = counted > self.cap
        return min(counted, self.cap)

    @property
    def capped(self) -> bool:
        """More rows than `cap`: the count shows as "10,000+"."""
        return self.count >= self.cap and self._capped

    @property
    def cap_label(self) -> str:
        return f"{self.cap:,}"

    def get_page(self, number) -> Page:
        """Like Paginator.get_page, and `LAST` ("last") is the list's real last page."""
        if number == LAST:
            return self.last_page()
        return super().get_page(number)

    def last_page(self) -> Page:
        """The real last page: the last `per_page` rows, read in reverse order."""
        if not self.capped:
            return self.page(self.num_pages)
        rows = list(self.object_list.reverse()[: self.per_page])
        rows.reverse()
        return TailPage(rows, self)


class TailPage(Page):
    """The last page of a capped list: its number and position are unknown (not counted)."""

    def __init__(self, object_list, paginator: CappedPaginator) -> None:
        super().__init__(object_list, None, paginator)

    def __repr__(self) -> str:
        return "<Last page>"

    def has_next(self) -> bool:
        return False

    def has_previous(self) -> bool:
        return True

    def has_other_pages(self) -> bool:
        return True

    def previous_page_number(self) -> int:
        return self.paginator.num_pages

    def start_index(self) -> None:
        return None

    def end_index(self) -> None:
        return None
