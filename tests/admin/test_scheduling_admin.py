"""The scheduling admins (posts and patterns, labour rules, inductions, absences, roster
runs) and the qualification fields on the site and employee admins: two organizations."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group
from django.forms.models import model_to_dict
from django.utils import timezone

from clients.models import Site
from employees.models import Employee
from rostracore.tenancy.context import use_org
from scheduling.models import (
    Absence,
    LabourRules,
    Post,
    RosterRun,
    ShiftPattern,
    SiteInduction,
)
from tests.admin.conftest import CANARY
from tests.factories import (
    AbsenceFactory,
    EmployeeFactory,
    PostFactory,
    SiteFactory,
    SiteInductionFactory,
)

# A page flow runs like production: no outer transaction, each request in its own
# ATOMIC_REQUESTS transaction (the owner empties the tables afterwards).
pytestmark = pytest.mark.django_db(transaction=True)

MISSING_ID = 10**9

# admin URL name -> the world key of each organization's row.
ADMINS = {
    "scheduling/post": "post",
    "scheduling/labourrules": "rules",
    "scheduling/siteinduction": "induction",
    "scheduling/absence": "absence",
    "scheduling/rosterrun": "run",
}


@pytest.fixture
def sched(world, scheduling_world):
    return scheduling_world


def _post_form(site, name="North Gate", **extra) -> dict:
    return {
        "site": site.pk,
        "name": name,
        "required_grade": "C",
        "is_active": "on",
        "patterns-TOTAL_FORMS": "0",
        "patterns-INITIAL_FORMS": "0",
        **extra,
    }


def _pattern(index: int, name: str, weekdays=("1", "2", "3", "4", "5")) -> dict:
    prefix = f"patterns-{index}"
    return {
        f"{prefix}-name": name,
        f"{prefix}-start_time": "18:00",
        f"{prefix}-end_time": "06:00",
        f"{prefix}-weekdays": list(weekdays),
        f"{prefix}-guards": "2",
        f"{prefix}-min_guards": "",  # every slot must be filled (no priced cover)
        f"{prefix}-weight_under_cover": "100",
        f"{prefix}-is_active": "on",
    }


def _rules_form(**extra) -> dict:
    values = {
        "max_daily_hours": 12,
        "max_weekly_hours": 45,
        "max_weekly_overtime_hours": 10,
        "min_rest_hours": 12,
        "weekly_rest_hours": 36,
        "weight_open_shift": 1000,
        "weight_off_client": 20,
        "weight_post_change": 3,
        "weight_fairness": 1,
        "weight_overtime": 5,
        "weight_preference": 2,
        "night_start": "18:00",
        "night_end": "06:00",
        "leave_day_hours": 8,
        "late_after_minutes": 5,
        "no_show_after_minutes": 30,
    }
    return {**values, **extra}


FORMS = {
    "scheduling/post": lambda a: _post_form(a["site"], name="Hacked"),
    "scheduling/labourrules": lambda a: _rules_form(max_daily_hours=1),
    "scheduling/siteinduction": lambda a: {
        "employee": a["flex"].pk,
        "site": a["site"].pk,
        "completed_on": "2030-01-01",
    },
    "scheduling/absence": lambda a: {
        "employee": a["dedicated"].pk,
        "kind": "unavailable",
        "start_0": "2030-01-01",
        "start_1": "08:00",
        "end_0": "2030-01-02",
        "end_1": "08:00",
        "note": "Hacked",
    },
    "scheduling/rosterrun": lambda a: {"status": "published"},
}


def _snapshot(org) -> dict:
    return {
        model._meta.label: sorted(
            (model_to_dict(row) for row in model.all_orgs.filter(org=org)),
            key=lambda row: row["id"],
        )
        for model in (Post, ShiftPattern, LabourRules, SiteInduction, Absence, RosterRun)
    }


def _masked(response, pk) -> tuple:
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    text = re.sub(r'nonce="[^"]+"', "", text)
    text = re.sub(rf"(?<=[“/\"'=]){pk}(?=[”/\"'&])", "<ID>", text)
    chain = [(re.sub(rf"/{pk}/", "/<ID>/", url), status) for url, status in response.redirect_chain]
    return response.status_code, chain, text


# --- ownership ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", list(ADMINS))
def test_changelist_shows_only_own_rows(client_a, sched, path):
    response = client_a.get(f"/admin/{path}/")
    assert response.status_code == 200
    shown = {row.pk for row in response.context["cl"].result_list}
    assert shown == {sched["alpha"][ADMINS[path]].pk}
    assert CANARY not in response.content.decode()


@pytest.mark.parametrize("path", list(ADMINS))
def test_other_orgs_row_answers_like_a_missing_one(client_a, sched, path):
    foreign = sched["bravo"][ADMINS[path]].pk
    for page in ("change", "delete", "history"):
        seen_foreign = client_a.get(f"/admin/{path}/{foreign}/{page}/", follow=True)
        seen_missing = client_a.get(f"/admin/{path}/{MISSING_ID}/{page}/", follow=True)
        assert _masked(seen_foreign, foreign) == _masked(seen_missing, MISSING_ID), page
        assert CANARY not in seen_foreign.content.decode()


@pytest.mark.parametrize("path", list(ADMINS))
def test_crafted_posts_against_other_orgs_row_change_nothing(client_a, sched, path):
    org_b = sched["bravo"]["org"]
    before = _snapshot(org_b)
    target = sched["bravo"][ADMINS[path]].pk
    data = FORMS[path](sched["alpha"])
    for url, payload in [
        (f"/admin/{path}/{target}/change/", {**data, "_save": "Save"}),
        (f"/admin/{path}/{target}/delete/", {"post": "yes"}),
        (
            f"/admin/{path}/",
            {"action": "delete_selected", "post": "yes", "_selected_action": [target]},
        ),
    ]:
        response = client_a.post(url, payload, follow=True)
        assert response.status_code in (200, 403), url
        assert CANARY not in response.content.decode(), url
    assert _snapshot(org_b) == before


AUTOCOMPLETES = [
    ("post", "site", "Site"),
    ("siteinduction", "site", "Site"),
    ("siteinduction", "employee", "Guard"),
    ("absence", "employee", "Guard"),
]


@pytest.mark.parametrize(("model", "field", "term"), AUTOCOMPLETES)
def test_autocomplete_offers_only_own_rows(client_a, sched, model, field, term):
    response = client_a.get(
        f"/admin/autocomplete/?app_label=scheduling&model_name={model}"
        f"&field_name={field}&term={term}"
    )
    assert response.status_code == 200
    results = [r["text"] for r in response.json()["results"]]
    assert results  # A's own rows: so an empty answer would not pass for scoping
    assert all(CANARY not in text for text in results), results
    own = {sched["alpha"]["site"].pk, sched["alpha"]["dedicated"].pk, sched["alpha"]["flex"].pk}
    assert {int(r["id"]) for r in response.json()["results"]} <= own


@pytest.mark.parametrize(
    ("path", "field", "world_key"),
    [
        ("scheduling/post", "site", "site"),
        ("scheduling/siteinduction", "site", "site"),
        ("scheduling/siteinduction", "employee", "dedicated"),
        ("scheduling/absence", "employee", "flex"),
    ],
)
def test_other_orgs_id_in_a_foreign_key_is_an_invalid_choice(
    client_a, sched, path, field, world_key
):
    before = _snapshot(sched["bravo"]["org"])
    count = {m: m.all_orgs.count() for m in (Post, SiteInduction, Absence)}
    data = {**FORMS[path](sched["alpha"]), field: sched["bravo"][world_key].pk}
    if path == "scheduling/siteinduction":
        data["employee" if field == "site" else "site"] = sched["alpha"][
            "site" if field == "employee" else "dedicated"
        ].pk
        data["completed_on"] = "2030-01-01"
    response = client_a.post(f"/admin/{path}/add/", data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors and "valid choice" in str(errors[field])
    assert CANARY not in response.content.decode()
    assert {m: m.all_orgs.count() for m in count} == count
    assert _snapshot(sched["bravo"]["org"]) == before


@pytest.mark.parametrize(
    ("path", "parameter", "world_key"),
    [
        ("scheduling/post", "site__id__exact", "site"),
        ("scheduling/siteinduction", "site__id__exact", "site"),
        ("scheduling/absence", "employee__id__exact", "flex"),
    ],
)
def test_foreign_key_filters_list_only_own_rows(client_a, sched, path, parameter, world_key):
    a = sched["alpha"]
    # A second related row of A's: a filter with a single choice is not shown at all.
    other_site = SiteFactory(org=a["org"], client=a["client"], name="Alpha Other Site")
    PostFactory(org=a["org"], site=other_site)
    SiteInductionFactory(org=a["org"], employee=a["flex"], site=other_site)
    AbsenceFactory(org=a["org"], employee=a["dedicated"])
    page = client_a.get(f"/admin/{path}/").content.decode()
    assert f"?{parameter}={sched['alpha'][world_key].pk}" in page
    assert f"?{parameter}={sched['bravo'][world_key].pk}" not in page
    assert CANARY not in page
    # Filtering by B's row shows nothing of B's.
    response = client_a.get(f"/admin/{path}/?{parameter}={sched['bravo'][world_key].pk}")
    assert CANARY not in response.content.decode()
    if response.status_code == 200:
        assert list(response.context["cl"].result_list) == []


def test_inline_cannot_edit_another_orgs_pattern(client_a, sched):
    a, b = sched["alpha"], sched["bravo"]
    before = _snapshot(b["org"])
    data = _post_form(
        a["site"],
        name=a["post"].name,
        **{"patterns-TOTAL_FORMS": "1", "patterns-INITIAL_FORMS": "1"},
        **_pattern(0, "Hacked"),
        **{"patterns-0-id": b["pattern"].pk, "patterns-0-post": a["post"].pk},
    )
    response = client_a.post(f"/admin/scheduling/post/{a['post'].pk}/change/", data)
    assert response.status_code == 200  # the form again, with an error; no 500
    assert CANARY not in response.content.decode()
    assert _snapshot(b["org"]) == before
    assert not ShiftPattern.all_orgs.filter(name="Hacked").exists()


# --- own rows: what managers get ------------------------------------------------------------


def test_manager_adds_a_post_with_patterns(client_a, sched, observer):
    a = sched["alpha"]
    data = _post_form(
        a["site"],
        **{"patterns-TOTAL_FORMS": "2"},
        **_pattern(0, "Night", weekdays=("5", "6", "7", "6")),
        **_pattern(1, "Day"),
    )
    response = client_a.post("/admin/scheduling/post/add/", data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""
    post = Post.all_orgs.get(name="North Gate")
    assert post.org_id == a["org"].pk
    night = ShiftPattern.all_orgs.get(post=post, name="Night")
    assert (night.org_id, night.guards, night.weekdays) == (a["org"].pk, 2, [5, 6, 7])
    assert night.start_time == dt.time(18) and night.end_time == dt.time(6)
    page = client_a.get(f"/admin/scheduling/post/{post.pk}/change/").content.decode()
    assert 'name="patterns-0-weekdays" value="5"' in page


def test_post_changelist_counts_active_patterns(client_a, sched):
    response = client_a.get("/admin/scheduling/post/")
    [row] = response.context["cl"].result_list
    assert row.n_patterns == 1
    assert "Alpha Client" in response.content.decode()


def test_duplicate_post_name_on_a_site_is_a_form_error(client_a, sched, observer):
    a = sched["alpha"]
    response = client_a.post("/admin/scheduling/post/add/", _post_form(a["site"], "Alpha Gate"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "name": ["This site already has a post with this name."]
    }
    assert Post.all_orgs.filter(name="Alpha Gate").count() == 1


def test_another_orgs_post_name_is_free(client_a, sched, observer):
    """No oracle: B's post name on A's site is not "taken"."""
    response = client_a.post(
        "/admin/scheduling/post/add/", _post_form(sched["alpha"]["site"], f"{CANARY} Gate")
    )
    assert response.status_code == 302
    assert Post.all_orgs.filter(name=f"{CANARY} Gate").count() == 2


def _inline_errors(response) -> list:
    return [formset.formset.errors for formset in response.context["inline_admin_formsets"]]


def test_duplicate_pattern_name_is_a_form_error(client_a, sched, observer):
    a = sched["alpha"]
    url = f"/admin/scheduling/post/{a['post'].pk}/change/"
    existing = {
        "patterns-INITIAL_FORMS": "1",
        "patterns-0-id": a["pattern"].pk,
        "patterns-0-post": a["post"].pk,
        **_pattern(0, a["pattern"].name),
    }
    # The same name as a saved pattern.
    data = _post_form(
        a["site"], a["post"].name, **existing, **{"patterns-TOTAL_FORMS": "2"}
    ) | _pattern(1, a["pattern"].name)
    response = client_a.post(url, data)
    assert response.status_code == 200
    assert "This post already has a pattern with this name." in str(_inline_errors(response))
    # Two new patterns with one name (neither saved yet): the formset catches it, no 500.
    data = (
        _post_form(a["site"], a["post"].name, **existing, **{"patterns-TOTAL_FORMS": "3"})
        | _pattern(1, "Twin")
        | _pattern(2, "twin")
    )
    response = client_a.post(url, data)
    assert response.status_code == 200
    assert "This post already has a pattern with this name." in str(_inline_errors(response))
    assert ShiftPattern.all_orgs.filter(post=a["post"]).count() == 1


def test_duplicate_induction_is_a_form_error(client_a, sched, observer):
    a = sched["alpha"]
    data = {"employee": a["dedicated"].pk, "site": a["site"].pk, "completed_on": "2030-01-01"}
    response = client_a.post("/admin/scheduling/siteinduction/add/", data)
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["site"]
    assert SiteInduction.all_orgs.filter(org=a["org"]).count() == 1


def test_absence_must_end_after_it_starts(client_a, sched):
    data = {**FORMS["scheduling/absence"](sched["alpha"]), "end_0": "2029-12-31"}
    response = client_a.post("/admin/scheduling/absence/add/", data)
    assert response.status_code == 200
    assert "An absence must end after it starts." in str(response.context["adminform"].form.errors)


def test_absence_changelist_filters_by_kind_and_date(client_a, sched):
    response = client_a.get("/admin/scheduling/absence/?kind=unavailable")
    assert list(response.context["cl"].result_list) == []
    response = client_a.get("/admin/scheduling/absence/?kind=leave")
    assert [r.pk for r in response.context["cl"].result_list] == [sched["alpha"]["absence"].pk]


def test_labour_rules_are_one_per_organization(client_a, sched, observer):
    a, b = sched["alpha"], sched["bravo"]
    change_url = f"/admin/scheduling/labourrules/{a['rules'].pk}/change/"
    # No "Add" button on the changelist (the sidebar's Add link redirects, see below).
    assert client_a.get("/admin/scheduling/labourrules/").context["has_add_permission"] is False
    # "Add" (a bookmark, the app list, a crafted POST) leads to the organization's rules.
    response = client_a.get("/admin/scheduling/labourrules/add/")
    assert (response.status_code, response["Location"]) == (302, change_url)
    response = client_a.post("/admin/scheduling/labourrules/add/", _rules_form(max_daily_hours=1))
    assert (response.status_code, response["Location"]) == (302, change_url)
    assert LabourRules.all_orgs.filter(org=a["org"]).count() == 1
    response = client_a.post(change_url, _rules_form(max_weekly_hours=45))
    assert response.status_code == 302
    assert LabourRules.all_orgs.get(org=a["org"]).max_weekly_hours == 45
    assert LabourRules.all_orgs.get(org=a["org"]).max_daily_hours == 12
    assert LabourRules.all_orgs.get(org=b["org"]).max_weekly_hours == 48


def test_period_rules_are_edited_in_the_admin_for_the_own_organization_only(
    client_a, sched, observer
):
    a, b = sched["alpha"], sched["bravo"]
    change_url = f"/admin/scheduling/labourrules/{a['rules'].pk}/change/"
    form = _rules_form(
        max_consecutive_days=6, min_consecutive_days_off=2, max_weekends=2, no_day_after_night="on"
    )
    assert client_a.post(change_url, form).status_code == 302
    ours = LabourRules.all_orgs.get(org=a["org"])
    assert (ours.max_consecutive_days, ours.min_consecutive_days_off) == (6, 2)
    assert (ours.max_weekends, ours.no_day_after_night, ours.max_consecutive_nights) == (
        2,
        True,
        None,
    )
    theirs = LabourRules.all_orgs.get(org=b["org"])
    assert (theirs.max_consecutive_days, theirs.no_day_after_night) == (None, False)
    # The other organization's rules are a 404 (or a redirect away), never a form.
    other = client_a.post(f"/admin/scheduling/labourrules/{b['rules'].pk}/change/", form)
    assert other.status_code in (302, 404)
    assert LabourRules.all_orgs.get(org=b["org"]).max_consecutive_days is None


def test_manager_without_rules_adds_them_once(client_a, sched, observer):
    a = sched["alpha"]
    with use_org(a["org"]):
        LabourRules.objects.all().delete()
    assert client_a.get("/admin/scheduling/labourrules/").context["has_add_permission"] is True
    page = client_a.get("/admin/scheduling/labourrules/add/")
    assert page.status_code == 200
    assert "every roster is generated with them" in page.content.decode()
    assert client_a.post("/admin/scheduling/labourrules/add/", _rules_form()).status_code == 302
    assert LabourRules.all_orgs.get(org=a["org"]).max_weekly_hours == 45
    # Now there is one: a second add changes nothing.
    client_a.post("/admin/scheduling/labourrules/add/", _rules_form(max_weekly_hours=40))
    assert LabourRules.all_orgs.get(org=a["org"]).max_weekly_hours == 45


def test_platform_duplicate_labour_rules_is_a_form_error(platform_client, sched, observer):
    org = sched["alpha"]["org"]
    response = platform_client.post(
        f"/admin/scheduling/labourrules/add/?org={org.pk}", _rules_form()
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "__all__": ["This organization already has its labour rules: edit them instead."]
    }
    assert LabourRules.all_orgs.filter(org=org).count() == 1


def test_roster_run_is_read_only_with_its_assignments(client_a, sched, observer):
    a = sched["alpha"]
    run = a["run"]
    response = client_a.get(f"/admin/scheduling/rosterrun/{run.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Alpha reason" in page  # the open draft assignment and its reason
    assert "10.0%" in page  # gap: |1000 - 900| / 1000
    assert 'name="_save"' not in page
    assert CANARY not in page
    assert client_a.get("/admin/scheduling/rosterrun/add/").status_code == 403
    assert "/admin/scheduling/rosterrun/add/" not in client_a.get("/admin/").content.decode()
    response = client_a.post(f"/admin/scheduling/rosterrun/{run.pk}/change/", {"status": "failed"})
    assert response.status_code == 403
    run.refresh_from_db()
    assert run.status == RosterRun.Status.DONE
    assert client_a.get(f"/admin/scheduling/rosterrun/{run.pk}/delete/").status_code == 403


def test_manager_group_has_the_scheduling_permissions(db):
    codenames = set(
        Group.objects.get(name="Manager").permissions.values_list("codename", flat=True)
    )
    for model in ("post", "shiftpattern", "labourrules", "siteinduction", "absence"):
        assert {f"{action}_{model}" for action in ("view", "add", "change", "delete")} <= codenames
    for model in ("rosterrun", "rosterassignment"):
        assert f"view_{model}" in codenames
        assert not {f"{action}_{model}" for action in ("add", "change", "delete")} & codenames


# --- site and employee qualification fields -------------------------------------------------


def test_manager_edits_site_requirements(client_a, sched, observer):
    a = sched["alpha"]
    site = a["site"]
    url = f"/admin/clients/site/{site.pk}/change/"
    page = client_a.get(url).content.decode()
    assert 'name="min_grade"' in page and 'name="armed"' in page
    assert 'name="induction_required"' in page
    data = {"client": a["client"].pk, "name": site.name, "address": "", "min_grade": "B"}
    response = client_a.post(url, {**data, "armed": "on", "induction_required": "on"})
    assert response.status_code == 302
    site.refresh_from_db()
    assert (site.min_grade, site.armed, site.induction_required) == ("B", True, True)
    response = client_a.get("/admin/clients/site/?armed__exact=1")
    assert [s.pk for s in response.context["cl"].result_list] == [site.pk]
    assert list(client_a.get("/admin/clients/site/?armed__exact=0").context["cl"].result_list) == []


def test_manager_edits_guard_qualification_dates(client_a, sched, observer):
    guard = sched["alpha"]["flex"]
    url = f"/admin/employees/employee/{guard.pk}/change/"
    page = client_a.get(url).content.decode()
    assert 'name="psira_registration_expires"' in page
    assert 'name="firearm_competency_expires"' in page
    data = {
        "first_name": guard.first_name,
        "last_name": guard.last_name,
        "employee_number": guard.employee_number,
        "psira_number": guard.psira_number,
        "psira_grade": "B",
        "is_active": "on",
        "psira_registration_expires": "2031-03-01",
        "firearm_competency_expires": "2020-01-01",
    }
    assert client_a.post(url, data).status_code == 302
    guard.refresh_from_db()
    assert guard.psira_registration_expires == dt.date(2031, 3, 1)
    assert guard.firearm_competency_expires == dt.date(2020, 1, 1)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("firearm_competency=valid", {"valid"}),
        ("firearm_competency=soon", {"soon"}),
        ("firearm_competency=expired", {"expired"}),
        ("firearm_competency=none", {"none"}),
        ("psira_registration=expired", {"expired"}),
    ],
)
def test_employee_list_filters_by_qualification_expiry(client_a, sched, query, expected):
    org = sched["alpha"]["org"]
    today = timezone.localdate()
    dates = {
        "valid": today + dt.timedelta(days=200),
        "soon": today + dt.timedelta(days=10),
        "expired": today - dt.timedelta(days=1),
    }
    for label, day in [*dates.items(), ("none", None)]:
        EmployeeFactory(
            org=org,
            first_name=label,
            firearm_competency_expires=day,
            psira_registration_expires=day,
        )
    response = client_a.get(f"/admin/employees/employee/?{query}")
    # (The world's guards have no dates recorded; only the four made here are compared.)
    shown = {e.first_name for e in response.context["cl"].result_list} & {*dates, "none"}
    if query.endswith("valid"):
        expected = {"valid", "soon"}  # expiring soon is still valid today
    assert shown == expected


# --- query counts ---------------------------------------------------------------------------


def _grow(sched, n: int) -> None:
    """Bring org A to at least `n` rows of each scheduling admin's model (bulk)."""
    a = sched["alpha"]
    with use_org(a["org"]):
        sites = list(Site.objects.all()) + [
            SiteFactory.build(org=a["org"], client=a["client"], name=f"Bulk Site {i}")
            for i in range(Site.objects.count(), 20)
        ]
        Site.objects.bulk_create([s for s in sites if s.pk is None])
        sites = list(Site.objects.order_by("pk"))
        guards = list(Employee.objects.order_by("pk"))
        guards += Employee.objects.bulk_create(
            Employee(first_name=f"Bulk{i}", last_name="Guard", employee_number=f"B-{i:05d}")
            for i in range(len(guards), n)
        )
        posts = Post.objects.bulk_create(
            Post(site=sites[i % len(sites)], name=f"Bulk Post {i}")
            for i in range(Post.objects.count(), n)
        )
        ShiftPattern.objects.bulk_create(
            ShiftPattern(post=post, name="Day", start_time=dt.time(6), end_time=dt.time(18))
            for post in posts
        )
        SiteInduction.objects.bulk_create(
            SiteInduction(
                employee=guards[i], site=sites[i % len(sites)], completed_on=dt.date(2026, 1, 1)
            )
            for i in range(SiteInduction.objects.count(), n)
        )
        start = timezone.now().replace(minute=0, second=0, microsecond=0)
        Absence.objects.bulk_create(
            Absence(
                employee=guards[i % len(guards)],
                start=start + dt.timedelta(days=i),
                end=start + dt.timedelta(days=i + 1),
            )
            for i in range(Absence.objects.count(), n)
        )
        RosterRun.objects.bulk_create(
            RosterRun(
                start_date=dt.date(2027, 1, 1) + dt.timedelta(days=i),
                end_date=dt.date(2027, 1, 8) + dt.timedelta(days=i),
                created_by=a["user"],
                status=RosterRun.Status.DONE,  # one active run per organization
            )
            for i in range(RosterRun.objects.count(), n)
        )


# Pinned query counts per changelist: session, user, organization, 2 permission queries, the
# filtered and total counts, the page's rows, related-only filter choices, date hierarchy
# (first and last date, then one query of probes) and the changelist's savepoint pair
# (labour rules: plus "does the organization have them?", which decides the Add button).
# Equal for 10 and 200 rows: no N+1.
CHANGELISTS = {
    "/admin/scheduling/post/": 10,
    "/admin/scheduling/siteinduction/": 12,
    "/admin/scheduling/absence/": 12,
    "/admin/scheduling/rosterrun/": 11,
    "/admin/scheduling/labourrules/": 10,  # one row per organization, whatever the size
}


@pytest.mark.parametrize("url", list(CHANGELISTS))
def test_changelist_queries_are_pinned_and_flat(client_a, sched, url, django_assert_num_queries):
    for size in (10, 200):
        _grow(sched, size)
        client_a.get(url)  # warm caches (content types) that are not per-row
        with django_assert_num_queries(CHANGELISTS[url]):
            response = client_a.get(url)
        assert response.status_code == 200
        shown = response.context["cl"].result_count
        expected = 1 if "labourrules" in url else size
        assert shown >= expected, (url, size, shown)
