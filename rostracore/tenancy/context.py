"""The current organization, held in a ContextVar.

A ContextVar (not threading.local) because each thread starts with an empty context and
asgiref copies the context into the thread that runs a sync view under ASGI, so one request's
organization can never reach another request, thread or coroutine. Every setter resets with
its token in `finally`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.db.models import Model as Organization  # settings.TENANT_MODEL

_current_org: ContextVar[Organization | None] = ContextVar("rostracore_current_org", default=None)
# Platform mode: reads through `Model.all_orgs` may see every organization's rows in the
# database (row-level security allows it). Only `all_organizations()` and the middleware, for
# platform staff, turn it on; `use_org()` turns it off inside its block.
_all_orgs: ContextVar[bool] = ContextVar("rostracore_all_orgs", default=False)
# Who is acting (the request's user id), for the database's audit trail. None for commands
# and background tasks.
_actor_id: ContextVar[int | None] = ContextVar("rostracore_actor_id", default=None)


class NoOrganizationError(RuntimeError):
    """A tenant-scoped query ran with no current organization (the core fails closed)."""

    def __init__(self, what: str = "This query") -> None:
        super().__init__(
            f"{what} needs a current organization, and none is set. Wrap the code in "
            "`use_org(org)` (commands, tasks, tests), make sure the request passed through "
            "CurrentOrganizationMiddleware, or use `Model.all_orgs` for deliberate "
            "platform-wide access."
        )


class CrossOrganizationError(ValueError):
    """A write would put or point a row into an organization other than the current one."""


def in_all_orgs_mode() -> bool:
    return _all_orgs.get()


def current_actor_id() -> int | None:
    return _actor_id.get()


def current_org() -> Organization | None:
    """The current organization, or None. Most code wants `require_org()` instead."""
    return _current_org.get()


def require_org(what: str = "This query") -> Organization:
    org = _current_org.get()
    if org is None:
        raise NoOrganizationError(what)
    return org


@contextmanager
def use_org(org: Organization) -> Iterator[Organization]:
    """Run the block with `org` as the current organization, then restore the previous one.

    `None` is refused: "no organization" must never be mistaken for "every organization".
    """
    if org is None or getattr(org, "pk", None) is None:
        raise ValueError(f"use_org() needs a saved Organization, not {org!r}.")
    token = _current_org.set(org)
    all_token = _all_orgs.set(False)
    try:
        yield org
    finally:
        _all_orgs.reset(all_token)
        _current_org.reset(token)


@contextmanager
def no_org() -> Iterator[None]:
    """Run the block with no current organization and not in platform mode, then restore
    the previous values."""
    token = _current_org.set(None)
    all_token = _all_orgs.set(False)
    try:
        yield
    finally:
        _all_orgs.reset(all_token)
        _current_org.reset(token)


@contextmanager
def all_organizations() -> Iterator[None]:
    """Platform mode, for platform staff and operations: `Model.all_orgs` reads may see every
    organization (the database's row-level security allows it). The scoped managers still
    need `use_org()`, and writes always happen inside `use_org()`.

    The one named "all organizations" mode: grep for `all_organizations(` to audit its uses.
    """
    token = _current_org.set(None)
    all_token = _all_orgs.set(True)
    try:
        yield
    finally:
        _all_orgs.reset(all_token)
        _current_org.reset(token)
