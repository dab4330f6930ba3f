"""Every URL pattern of the project, and how the crawl fills it with org B's ids.

`all_patterns()` walks `get_resolver().url_patterns` recursively (pages, the admin site and
every ModelAdmin, included apps). `ENTRIES` says, for each pattern's key (its namespaced
name, or its route when unnamed), how to fill its parameters: for each kwarg, org B's value
(the "foreign" one), a value no row has (the "missing" one) and org A's own value; plus
query strings naming B's rows and a plausible POST body. ModelAdmin patterns are generated
from the admin registry. A pattern without an entry fails `test_url_coverage.py`.

Adding a page is one entry: `"app:name": page(pk=Model)`, `page(post=...)`, ...
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from billing.models import ChargeRate
from clients.models import Client, Site
from employees.models import Employee
from guards.models import DayWish, LeaveRequest, ShiftRequest, UnavailableDate, UnavailableWindow
from organizations.models import User
from payroll.models import PayPeriod
from scheduling.models import Post, RosterRun, Shift
from tests.crawl.world import CANARY, MISSING_ID, World

# Matches every canary string (icontains) without being one: pages echo the search term.
TERM = CANARY[1:]


# --- the patterns ------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    pieces: tuple[str, ...]  # str() of each nested pattern, outermost first
    name: str | None  # namespaced, e.g. "employees:detail"
    kwargs: tuple[str, ...]

    @property
    def route(self) -> str:
        """The full route, as `ResolverMatch.route` spells it."""
        route = ""
        for piece in self.pieces:
            route = route + piece.removeprefix("^") if route else piece
        return route

    @property
    def key(self) -> str:
        return self.name or self.route

    def url(self, values: dict[str, Any]) -> str:
        parts = []
        for piece in self.pieces:
            if piece.startswith("^") or piece.endswith("$") or "(?P<" in piece:
                text = piece.removeprefix("^").removesuffix("$")
                text = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m[1]]), text)
            else:
                text = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m[1]]), piece)
            parts.append(text)
        return "/" + "".join(parts)


def _walk(patterns, pieces: tuple[str, ...], namespaces: tuple[str, ...]) -> Iterator[Pattern]:
    for item in patterns:
        if isinstance(item, URLResolver):
            inner = (*namespaces, item.namespace) if item.namespace else namespaces
            yield from _walk(item.url_patterns, (*pieces, str(item.pattern)), inner)
        elif isinstance(item, URLPattern):
            regex_groups = tuple(item.pattern.regex.groupindex)
            name = ":".join((*namespaces, item.name)) if item.name else None
            yield Pattern((*pieces, str(item.pattern)), name, regex_groups)


def all_patterns() -> list[Pattern]:
    patterns = list(_walk(get_resolver().url_patterns, (), ()))
    # Kwargs of the enclosing resolvers (none today, but an include with a parameter must
    # be filled too).
    return [
        Pattern(p.pieces, p.name, tuple(_kwargs_of(p.pieces))) if not p.kwargs else p
        for p in patterns
    ]


def _kwargs_of(pieces: tuple[str, ...]) -> list[str]:
    return [m for piece in pieces for m in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", piece)]


# --- what to send ----------------------------------------------------------------------


@dataclass
class Target:
    """One way to request a pattern: kwargs for B's row, a missing row and A's own row."""

    foreign: dict[str, Any] = field(default_factory=dict)
    missing: dict[str, Any] = field(default_factory=dict)
    own: dict[str, Any] | None = None  # None: no control (the kwargs name no row of A)
    # Query strings: (B's, missing) pairs; appended to the URL above.
    queries: list[tuple[str, str]] = field(default_factory=list)
    post: dict[str, Any] = field(default_factory=dict)  # plausible data, besides an empty POST

    @property
    def compares(self) -> bool:
        """Whether B's value and the missing one differ (so their answers can be compared)."""
        return self.foreign != self.missing


Entry = Callable[[World], list[Target]]
Filler = type[models.Model] | Callable[[World], tuple[Any, Any, Any]]


def _values(world: World, filler: Filler) -> tuple[Any, Any, Any]:
    """(B's value, missing value, A's value) for one kwarg."""
    if isinstance(filler, type):
        own = world.a(filler)
        return world.b(filler).pk, MISSING_ID, own.pk if own is not None else None
    return filler(world)


def _query(name: str, model: type[models.Model]) -> Callable[[World], tuple[str, str]]:
    return lambda w: (f"{name}={w.b(model).pk}", f"{name}={MISSING_ID}")


def page(
    *,
    queries: tuple = (),
    post: Callable[[World], dict] | None = None,
    **fillers: Filler,
) -> Entry:
    """An entry: each kwarg filled from a model (B's row / MISSING_ID / A's row) or a
    function returning (B's, missing, A's) values; queries are (B's, missing) pairs or
    functions of the world returning one."""

    def targets(world: World) -> list[Target]:
        foreign, missing, own = {}, {}, {}
        for name, filler in fillers.items():
            foreign[name], missing[name], own[name] = _values(world, filler)
        return [
            Target(
                foreign=foreign,
                missing=missing,
                own=own if own and None not in own.values() else None,
                queries=[q(world) if callable(q) else q for q in queries],
                post=post(world) if post else {},
            )
        ]

    return targets


def with_post(entry: Entry, post: Callable[[World], dict]) -> Entry:
    return lambda world: [replace(target, post=post(world)) for target in entry(world)]


def variants(*entries: Entry) -> Entry:
    return lambda world: [target for entry in entries for target in entry(world)]


# --- plausible POST bodies ----------------------------------------------------------------


def _next_monday() -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=7 - today.weekday())


def employee_form(w: World) -> dict:
    """The manager pages' EmployeeForm, pointing at B's client."""
    return {
        "first_name": "Hacked",
        "last_name": "Hacked",
        "employee_number": "H-1",
        "psira_number": "1234567",
        "psira_grade": "C",
        "assigned_client": w.b(Client).pk,
        "hire_date": "2024-01-01",
    }


def rate_form(w: World) -> dict:
    """The charge-rate form, pointing at B's client, site and post."""
    return {
        "client": w.b(Client).pk,
        "site": w.b(Site).pk,
        "post": w.b(Post).pk,
        "hourly_rate": "1.00",
        "sunday_multiplier": "1.00",
        "public_holiday_multiplier": "1.00",
    }


def _same(value: Any):
    """A kwarg that names no row: the same value for B's, the missing and A's own request."""
    return lambda world: (value, value, value)


def _pay_period(world: World) -> tuple[str, str, str]:
    """B's closed period's start (a date that starts none of A's periods: world.PAY_PERIODS),
    a date that starts no period, A's closed period's start."""
    return (
        world.b(PayPeriod).start_date.isoformat(),
        "1999-01-02",
        world.a(PayPeriod).start_date.isoformat(),
    )


def _ical(org_of: Callable[[World], Any], secret_of: Callable[[World], Any]):
    """Feed tokens ("<organization id>-<secret>") pairing one organization's id with the other
    organization's guard's secret / a secret no guard has / (control) A's own guard's token.
    (B's own token is B's capability: whoever holds it may read B's calendar by design.)"""

    def fill(world: World) -> tuple[str, str, str]:
        org_id = org_of(world).pk
        return (
            f"{org_id}-{secret_of(world).calendar_secret}",
            f"{org_id}-{secrets.token_urlsafe(32)}",
            world.a(Employee).calendar_token,
        )

    return fill


def _content_type(model):
    def fill(world: World) -> tuple[int, int, int]:
        return (ContentType.objects.get_for_model(model).pk,) * 3

    return fill


def _admin_path(template: str):
    def fill(world: World) -> tuple[str, str, str]:
        ids = (world.b(Employee).pk, MISSING_ID, world.a(Employee).pk)
        return tuple(template.format(pk) for pk in ids)

    return fill


def _fixed(value: str):
    return lambda world: (value, value, None)


def _foreign_only(model: type[models.Model]):
    """B's row and a missing one, no control row."""
    return lambda w: (w.b(model).pk, MISSING_ID, None)


def _uid(world: World) -> tuple[str, str, str]:
    """uidb64 of a one-time link: B's manager, a user no one is, A's manager."""
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    def uid(pk: int) -> str:
        return urlsafe_base64_encode(force_bytes(pk))

    return uid(world.manager_b.pk), uid(MISSING_ID), uid(world.manager_a.pk)


def _link_token(tokens_of: Callable[[], Any]):
    """A made-up token for B's and the missing user (B's real one is B's own capability,
    like a feed link); for the control, a valid token of A's manager."""

    def fill(world: World) -> tuple[str, str, str]:
        bogus = "cxyz12-0123456789abcdef0123456789abcdef"
        return bogus, bogus, tokens_of().make_token(world.manager_a)

    return fill


def _reset_tokens():
    from django.contrib.auth.tokens import default_token_generator

    return default_token_generator


def _invitation_tokens():
    from organizations.tokens import invitation_token

    return invitation_token


# --- the project's pages (not generated) --------------------------------------------------

PAGES: dict[str, Entry] = {
    "dashboard": page(),
    "login": page(post=lambda w: {"username": w.manager_a.username, "password": "wrong"}),
    "logout": page(),
    "employees:list": page(
        queries=(
            _query("client", Client),
            (f"q={TERM}", f"q={TERM}"),
            ("status=all&sort=-client", "status=all&sort=-client"),
        )
    ),
    "employees:create": page(post=employee_form),
    "employees:detail": page(pk=Employee),
    "employees:edit": page(pk=Employee, post=employee_form),
    "employees:assign": page(pk=Employee, post=lambda w: {"client": w.a(Client).pk}),
    "employees:deactivate": page(pk=Employee),
    "employees:reactivate": page(pk=Employee),
    "employees:rotate_calendar": page(pk=Employee),
    "employees:invite": page(pk=Employee),
    # Account pages (no organization: anonymous users reach them too). No plausible POST
    # for the links: the control would set A's manager's password.
    "password_reset": page(post=lambda w: {"email": w.manager_a.email}),
    "password_reset_done": page(),
    "password_reset_confirm": page(uidb64=_uid, token=_link_token(_reset_tokens)),
    "password_reset_complete": page(),
    "accept_invitation": page(uidb64=_uid, token=_link_token(_invitation_tokens)),
    "guards:my_shifts": page(),
    "guards:acknowledge": page(post=lambda w: {}),
    "guards:clock_in": page(pk=_foreign_only(Shift), post=lambda w: {"latitude": "-26.1"}),
    "guards:clock_out": page(pk=_foreign_only(Shift)),
    "guards:leave": page(
        post=lambda w: {
            "start": _next_monday().isoformat(),
            "end": _next_monday().isoformat(),
            "kind": "annual",
        }
    ),
    "guards:open_shifts": page(),
    "guards:pickup": page(pk=_foreign_only(Shift)),
    "guards:swaps": page(),
    "guards:swap_offer": page(pk=_foreign_only(Shift)),
    "guards:swap_take": page(pk=_foreign_only(ShiftRequest)),
    "guards:shift_request_cancel": page(pk=_foreign_only(ShiftRequest)),
    "guards:shift_approve": page(pk=ShiftRequest),
    "guards:shift_decline": page(pk=ShiftRequest, post=lambda w: {"reason": "Hacked"}),
    # No control for the manager, to whom every guard page is a 403 (a 405 for a GET);
    # the guard persona controls with guard A's own rows (GUARD_VARIANTS).
    "guards:leave_cancel": page(pk=_foreign_only(LeaveRequest)),
    "guards:availability": page(),
    "guards:window_add": page(post=lambda w: {"weekday": "4", "start": "06:00", "end": "07:00"}),
    "guards:window_remove": page(pk=_foreign_only(UnavailableWindow)),
    "guards:date_add": page(
        post=lambda w: {"day": (_next_monday() + dt.timedelta(days=3)).isoformat(), "note": "x"}
    ),
    "guards:date_remove": page(pk=_foreign_only(UnavailableDate)),
    "guards:wish_add": page(
        post=lambda w: {
            "day": (_next_monday() + dt.timedelta(days=4)).isoformat(),
            "wish": "night",
            "strong": "on",
        }
    ),
    "guards:wish_remove": page(pk=_foreign_only(DayWish)),
    "guards:preferences": page(post=lambda w: {"time_of_day": "nights", "weekends_off": "on"}),
    "guards:requests": page(queries=(("page=2", "page=2"),)),
    "guards:leave_approve": page(pk=LeaveRequest),
    "guards:leave_decline": page(pk=LeaveRequest, post=lambda w: {"reason": "Hacked"}),
    "scheduling:home": page(
        post=lambda w: {"start_date": _next_monday().isoformat(), "weeks": 1, "time_limit": 5}
    ),
    "scheduling:board": page(
        queries=(_query("client", Client), _query("site", Site), ("roster=draft", "roster=draft"))
    ),
    "scheduling:board_publish": page(post=lambda w: {"week": _next_monday().isoformat()}),
    "scheduling:board_fill": page(post=lambda w: {"week": _next_monday().isoformat()}),
    "scheduling:shift_new": page(
        post=lambda w: {
            "site": w.b(Site).pk,
            "date": _next_monday().isoformat(),
            "start_time": "18:00",
            "end_time": "23:00",
            "required_grade": "E",
            "employee": w.b(Employee).pk,
        }
    ),
    "scheduling:shift": page(pk=Shift),
    "attendance:shift": page(
        pk=Shift,
        post=lambda w: {
            "clock_in_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "reason": "Hacked",
        },
    ),
    "scheduling:shift_assign": page(pk=Shift, post=lambda w: {"employee": w.b(Employee).pk}),
    "scheduling:shift_unassign": page(pk=Shift),
    "scheduling:shift_pin": page(pk=Shift, post=lambda w: {"pinned": "on"}),
    "scheduling:shift_swap": page(pk=Shift, post=lambda w: {"other": w.b(Shift).pk}),
    "scheduling:run": page(pk=RosterRun),
    "scheduling:publish": page(pk=RosterRun),
    "scheduling:site_week": page(pk=Site, queries=(_query("run", RosterRun),)),
    "scheduling:guard_week": page(pk=Employee, queries=(_query("run", RosterRun),)),
    "scheduling:guard_contract": page(pk=Employee, post=lambda w: {"max_hours": "40"}),
    "scheduling:export_csv": page(
        queries=(
            _query("run", RosterRun),
            # Every published shift: about as wide as the export accepts (today ± 5 years).
            lambda w: (
                (
                    f"start={timezone.localdate() - dt.timedelta(days=4 * 365)}"
                    f"&end={timezone.localdate() + dt.timedelta(days=4 * 365)}",
                )
                * 2
            ),
        )
    ),
    "scheduling:guard_ical": variants(
        page(token=_ical(lambda w: w.org_a, lambda w: w.b(Employee))),
        page(token=_ical(lambda w: w.org_b, lambda w: w.a(Employee))),
    ),
    "billing:home": page(queries=(("month=2029-12", "month=2029-12"),)),
    "billing:rates": page(),
    "billing:rate_new": page(post=rate_form),
    "billing:rate_edit": page(pk=ChargeRate, post=rate_form),
    "billing:rate_delete": page(pk=ChargeRate),
    **{
        f"billing:{name}": page(pk=Client, year=_same(2029), month=_same(12))
        for name in ("invoice", "invoice_pdf", "invoice_csv")
    },
    "payroll:periods": page(queries=(("before=2030-01-15",) * 2, ("before=soon",) * 2)),
    "payroll:settings": page(
        post=lambda w: {
            "frequency": "weekly",
            "first_period_start": "2029-12-05",
            "week_starts_on": "2",
            "holiday_country": "ZA",
            "holiday_subdivision": "",
            "pay_source": "attendance",
            "billing_source": "attendance",
        }
    ),
    "payroll:period": page(start=_pay_period, queries=(("page=2", "page=2"),)),
    "payroll:close": page(start=_pay_period),
    "payroll:export_csv": page(start=_pay_period),
    # The admin site's own views.
    "admin:index": page(),
    "admin:login": page(post=lambda w: {"username": w.manager_a.username, "password": "wrong"}),
    "admin:logout": page(),
    "admin:password_change": page(
        post=lambda w: {
            "old_password": "wrong",
            "new_password1": "N3w-pass-word!",
            "new_password2": "N3w-pass-word!",
        }
    ),
    "admin:password_change_done": page(),
    "admin:jsi18n": page(),
    "admin:autocomplete": lambda w: [Target(queries=_autocomplete_queries())],
    "admin:view_on_site": variants(
        *(
            page(content_type_id=_content_type(model), object_id=model)
            for model in (Employee, RosterRun, Client, User)
        )
    ),
    "admin:app_list": lambda w: [
        Target(foreign={"app_label": label}, missing={"app_label": label})
        for label in sorted({m._meta.app_label for m in admin.site._registry})
    ],
    "admin/(?P<url>.*)$": variants(
        page(url=_admin_path("employees/employee/{}")),
        page(url=_fixed("no/such/page/")),
    ),
    "admin:auth_user_password_change": page(
        id=User, post=lambda w: {"password1": "X-pass-987654", "password2": "X-pass-987654"}
    ),
}


def _autocomplete_queries() -> list[tuple[str, str]]:
    queries = []
    for source in admin.site._registry:
        for fk in source._meta.concrete_fields:
            if fk.many_to_one and fk.related_model in admin.site._registry:
                base = (
                    f"app_label={source._meta.app_label}&model_name={source._meta.model_name}"
                    f"&field_name={fk.name}"
                )
                queries += [(base, base), (f"{base}&term={TERM}",) * 2]
    return queries


# --- every ModelAdmin's pages (generated) -------------------------------------------------


def admin_post(model: type[models.Model], world: World) -> dict:
    """A plausible change form for `model`, naming B's rows where it has foreign keys."""
    return {
        Client: {
            "client_name": "Hacked",
            "is_active": "on",
            "sites-TOTAL_FORMS": "1",
            "sites-INITIAL_FORMS": "1",
            "sites-0-id": world.b(Site).pk,
            "sites-0-name": "Hacked",
        },
        Site: {"client": world.b(Client).pk, "name": "Hacked", "min_grade": "E"},
        Employee: {
            "first_name": "Hacked",
            "last_name": "Hacked",
            "employee_number": "H-1",
            "psira_grade": "C",
            "is_active": "on",
            "assigned_client": world.b(Client).pk,
        },
        User: {
            "username": "hacked@example.com",
            "is_active": "on",
            "password1": "Hacked-pass-123",
            "password2": "Hacked-pass-123",
        },
    }.get(
        model,
        {
            # Shift and anything else: B's rows for every foreign key, a sane time range.
            **{
                fk.name: world.b(fk.related_model).pk
                for fk in model._meta.concrete_fields
                if fk.many_to_one and fk.name != "org" and fk.related_model is not User
            },
            "start_0": "2030-01-01",
            "start_1": "08:00",
            "end_0": "2030-01-01",
            "end_1": "16:00",
            "required_grade": "E",
            "name": "Hacked",
        },
    )


def _admin_entries() -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    for model in admin.site._registry:
        app, name = model._meta.app_label, model._meta.model_name
        prefix = f"admin:{app}_{name}"

        def changelist(world: World, model=model) -> list[Target]:
            b_row = world.b(model)
            queries = [
                (f"q={TERM}",) * 2,
                ("_popup=1&_to_field=id",) * 2,
                (f"_popup=1&_to_field=id&q={TERM}",) * 2,
                ("o=-1.2",) * 2,
            ]
            for fk in model._meta.concrete_fields:
                if fk.many_to_one:
                    try:
                        foreign = world.b(fk.related_model).pk
                    except LookupError:
                        continue
                    queries.append(
                        (f"{fk.name}__id__exact={foreign}", f"{fk.name}__id__exact={MISSING_ID}")
                    )
            actions = [("delete_selected", {"post": "yes"}), ("delete_selected", {})]
            if model is Employee:
                actions += [
                    ("assign_to_client", {}),
                    ("assign_to_client", {"apply": "1", "client": world.a(Client).pk}),
                    ("move_to_flex_pool", {}),
                    ("deactivate", {}),
                ]
            return [
                Target(
                    queries=queries if index == 0 else [],  # the GETs once, the actions each
                    post={"action": action, "index": "0", "_selected_action": [b_row.pk], **extra},
                )
                for index, (action, extra) in enumerate(actions)
            ]

        entries[f"{prefix}_changelist"] = changelist
        entries[f"{prefix}_add"] = lambda w, model=model: [
            Target(queries=[("_popup=1&_to_field=id",) * 2], post=admin_post(model, w))
        ]
        entries[f"{prefix}_history"] = page(object_id=model)
        entries[f"{prefix}_delete"] = with_post(page(object_id=model), lambda w: {"post": "yes"})
        entries[f"{prefix}_change"] = with_post(
            page(object_id=model),
            lambda w, model=model: {**admin_post(model, w), "_save": "Save"},
        )
        entries[f"admin/{app}/{name}/<path:object_id>/"] = page(object_id=model)
    return entries


def entries() -> dict[str, Entry]:
    """Every pattern key the crawl knows how to fill."""
    return {**PAGES, **_admin_entries()}


# --- the guard persona ----------------------------------------------------------------------

# Where a guard of org A may get a page with content (a 200): their own pages, the account
# pages everyone reaches, the token calendar feed and the admin's login and logout. Every
# other pattern must answer a guard 403, 404 or 405, or send them to a login page.
GUARD_REACHABLE = {
    "guards:my_shifts",
    "guards:leave",
    "guards:leave_cancel",
    "guards:availability",
    "guards:window_add",
    "guards:window_remove",
    "guards:date_add",
    "guards:date_remove",
    "guards:wish_add",
    "guards:wish_remove",
    "guards:preferences",
    "guards:acknowledge",
    "guards:clock_in",
    "guards:clock_out",
    "guards:open_shifts",
    "guards:pickup",
    "guards:swaps",
    "guards:swap_offer",
    "guards:swap_take",
    "guards:shift_request_cancel",
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "accept_invitation",
    "scheduling:guard_ical",
    "admin:login",
    "admin:logout",
}


def _other_guards(model: type[models.Model]) -> Filler:
    """(org A's other guard's row, missing, guard A's own row) of a guards' model."""
    return lambda w: (w.of_other_guard(model).pk, MISSING_ID, w.a(model).pk)


# The guards' pages that take an id, for the guard persona: org B's row and the other guard's
# row of org A, each against a missing id, with guard A's own row as the control.
GUARD_VARIANTS: dict[str, Entry] = {
    f"guards:{name}": variants(page(pk=model), page(pk=_other_guards(model)))
    for name, model in (
        ("leave_cancel", LeaveRequest),
        ("window_remove", UnavailableWindow),
        ("date_remove", UnavailableDate),
        ("shift_request_cancel", ShiftRequest),
    )
}


def guard_entries() -> dict[str, Entry]:
    """`entries()` for the guard persona (GUARD_VARIANTS in place of the manager's)."""
    return {**entries(), **GUARD_VARIANTS}
