from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html

from rostracore.tenancy.admin import (
    TenantAdminForm,
    TenantModelAdmin,
    TenantTabularInline,
    is_platform,
)
from scheduling import services
from scheduling.models import (
    CONTRACT_TERMS,
    Absence,
    GuardContract,
    LabourRules,
    Post,
    RosterAssignment,
    RosterRun,
    Shift,
    ShiftPattern,
    SiteInduction,
)

ISO_WEEKDAYS = [(1, "Mon"), (2, "Tue"), (3, "Wed"), (4, "Thu"), (5, "Fri"), (6, "Sat"), (7, "Sun")]


class CoverageFilter(admin.SimpleListFilter):
    title = "coverage"
    parameter_name = "coverage"

    def lookups(self, request, model_admin):
        return [("open", "Open"), ("filled", "Filled")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(employee__isnull=True)
        if self.value() == "filled":
            return queryset.filter(employee__isnull=False)
        return queryset


@admin.register(Shift)
class ShiftAdmin(TenantModelAdmin):
    list_display = ["start", "end", "site", "client", "guard", "required_grade"]
    list_filter = [CoverageFilter, "site", "required_grade"]
    list_select_related = ["site__client", "employee"]
    search_fields = [
        "site__name",
        "site__client__client_name",
        "employee__first_name",
        "employee__last_name",
        "employee__employee_number",
    ]
    date_hierarchy = "start"
    # (start, id), not (start, site name): the index (org_id, start, id) hands the page its
    # 100 rows; sorting by a joined column sorted every shift of the organization first.
    ordering = ["start", "id"]
    autocomplete_fields = ["site"]
    # The guard is changed on the shift page (scheduling/shifts.py), through the services
    # that check the rules and keep the published roster apart: not in this form.
    fields = ["site", "start", "end", "required_grade", "guard_on_shift_page"]
    readonly_fields = ["guard_on_shift_page"]

    @admin.display(description="guard")
    def guard_on_shift_page(self, shift: Shift) -> str:
        if shift.pk is None:
            return "Add the shift, then choose its guard on its shift page."
        text = str(shift.employee) if shift.employee_id else "Open"
        if shift.is_changed:
            text += f" (published: {shift.published_employee or 'open'})"
        return format_html(
            '{} · <a href="{}">choose the guard on the shift page</a>',
            text,
            shift.get_absolute_url(),
        )

    @admin.display(description="client", ordering="site__client__client_name")
    def client(self, shift: Shift) -> str:
        return str(shift.site.client)

    @admin.display(description="guard", ordering="employee__last_name")
    def guard(self, shift: Shift) -> str:
        return str(shift.employee) if shift.employee_id else "Open"


# --- posts and their shift patterns ------------------------------------------------------


class ShiftPatternForm(TenantAdminForm):
    # ISO weekdays as checkboxes rather than the array field's "1,2,3" text box.
    weekdays = forms.TypedMultipleChoiceField(
        choices=ISO_WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text="Days the shift starts on.",
    )

    class Meta:
        model = ShiftPattern
        fields = [
            "name",
            "start_time",
            "end_time",
            "weekdays",
            "guards",
            "min_guards",
            "weight_under_cover",
            "is_active",
        ]

    def clean_weekdays(self) -> list[int]:
        return sorted(set(self.cleaned_data["weekdays"]))


class ShiftPatternFormSet(BaseInlineFormSet):
    """Two new patterns of one post with the same name would both pass the per-form check
    (it only sees saved rows) and then hit the database's unique constraint: a 500. The
    formset compares its own forms first."""

    def clean(self):
        super().clean()
        seen: set[str] = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or self._should_delete_form(form):
                continue
            name = (form.cleaned_data.get("name") or "").strip().casefold()
            if not name:
                continue
            if name in seen:
                form.add_error(
                    "name",
                    ValidationError("This post already has a pattern with this name.", "unique"),
                )
            seen.add(name)


class ShiftPatternInline(TenantTabularInline):
    model = ShiftPattern
    form = ShiftPatternForm
    formset = ShiftPatternFormSet
    fields = ShiftPatternForm.Meta.fields
    extra = 0
    verbose_name_plural = "shift patterns (an end at or before the start ends the next day)"


@admin.register(Post)
class PostAdmin(TenantModelAdmin):
    list_display = ["name", "site", "client", "required_grade", "pattern_count", "is_active"]
    list_filter = ["is_active", "required_grade", "site"]
    list_select_related = ["site__client"]
    search_fields = ["name", "site__name", "site__client__client_name"]
    ordering = ["site__client__client_name", "site__name", "name"]
    autocomplete_fields = ["site"]
    fields = ["site", "name", "required_grade", "is_active"]
    inlines = [ShiftPatternInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(n_patterns=Count("patterns", filter=Q(patterns__is_active=True)))
        )

    @admin.display(description="client", ordering="site__client__client_name")
    def client(self, post: Post) -> str:
        return str(post.site.client)

    @admin.display(description="active patterns", ordering="n_patterns")
    def pattern_count(self, post: Post) -> int:
        return post.n_patterns


# --- labour rules: one set per organization ------------------------------------------------


@admin.register(LabourRules)
class LabourRulesAdmin(TenantModelAdmin):
    list_display = [
        "__str__",
        "max_daily_hours",
        "max_weekly_hours",
        "max_weekly_overtime_hours",
        "min_rest_hours",
        "weekly_rest_hours",
    ]
    list_select_related = ["org"]
    fieldsets = [
        (
            "Working time",
            {
                "description": (
                    "Your organization has one set of labour rules; every roster is generated "
                    "with them. Until they are saved the defaults shown here apply (private "
                    "security sectoral determination and BCEA)."
                ),
                "fields": [
                    "max_daily_hours",
                    "max_weekly_hours",
                    "max_weekly_overtime_hours",
                    "min_rest_hours",
                    "weekly_rest_hours",
                ],
            },
        ),
        (
            "Over the roster period",
            {
                "description": "Blank: not applied.",
                "fields": [
                    "max_consecutive_days",
                    "max_consecutive_nights",
                    "min_consecutive_days",
                    "min_consecutive_days_off",
                    "max_weekends",
                    "no_day_after_night",
                ],
            },
        ),
        (
            "Payroll",
            {
                "description": (
                    "Overtime is paid beyond the ordinary hours a week above (and a day, when "
                    "set); night minutes get the night allowance."
                ),
                "fields": ["daily_ordinary_hours", "night_start", "night_end", "leave_day_hours"],
            },
        ),
        (
            "Roster goals (penalty points)",
            {
                "description": "An open shift must outweigh everything else combined.",
                "fields": [
                    "weight_open_shift",
                    "weight_off_client",
                    "weight_post_change",
                    "weight_fairness",
                    "weight_overtime",
                    "weight_preference",
                ],
            },
        ),
        (
            "Attendance",
            {
                "description": (
                    "Minutes after a shift's start: the board flags a guard late, then a "
                    "no-show, and the managers are emailed about a no-show."
                ),
                "fields": ["late_after_minutes", "no_show_after_minutes"],
            },
        ),
    ]

    # One set per organization. Not via has_add_permission: the admin's app list asks every
    # admin for it on every page, and that would cost each page a query.

    def _own_rules(self, request) -> LabourRules | None:
        return None if is_platform(request) else self.get_queryset(request).first()

    def changelist_view(self, request, extra_context=None):
        if self._own_rules(request) is not None:
            extra_context = {**(extra_context or {}), "has_add_permission": False}
        return super().changelist_view(request, extra_context)

    def add_view(self, request, form_url="", extra_context=None):
        # A manager whose organization has its rules edits them (a crafted POST included).
        # Platform staff choose the organization; a duplicate is a form error.
        rules = self._own_rules(request)
        if rules is not None and self.has_change_permission(request, rules):
            self.message_user(
                request,
                "Your organization already has its labour rules: edit them here.",
                messages.INFO,
            )
            return HttpResponseRedirect(
                reverse(f"{self.admin_site.name}:scheduling_labourrules_change", args=[rules.pk])
            )
        return super().add_view(request, form_url, extra_context)


# --- qualifications and availability -------------------------------------------------------


@admin.register(SiteInduction)
class SiteInductionAdmin(TenantModelAdmin):
    list_display = ["employee", "site", "client", "completed_on"]
    list_filter = ["site", ("completed_on", admin.DateFieldListFilter)]
    list_select_related = ["employee", "site__client"]
    search_fields = [
        "employee__first_name",
        "employee__last_name",
        "employee__employee_number",
        "site__name",
        "site__client__client_name",
    ]
    date_hierarchy = "completed_on"
    ordering = ["site__name", "employee__last_name", "employee__first_name", "id"]
    autocomplete_fields = ["employee", "site"]
    fields = ["employee", "site", "completed_on"]

    @admin.display(description="client", ordering="site__client__client_name")
    def client(self, induction: SiteInduction) -> str:
        return str(induction.site.client)


class GuardContractForm(TenantAdminForm):
    def clean(self):
        cleaned = super().clean()
        if all(cleaned.get(name) is None for name in CONTRACT_TERMS):
            raise ValidationError(
                "Set at least one term; without any the organization's rules apply.",
                code="empty",
            )
        return cleaned


@admin.register(GuardContract)
class GuardContractAdmin(TenantModelAdmin):
    form = GuardContractForm
    list_display = ["employee", *CONTRACT_TERMS]
    list_select_related = ["employee"]
    search_fields = ["employee__first_name", "employee__last_name", "employee__employee_number"]
    ordering = ["employee__last_name", "employee__first_name", "id"]
    autocomplete_fields = ["employee"]
    fields = ["employee", *CONTRACT_TERMS]

    def save_model(self, request, obj, form, change):
        services.save_contract(contract=obj)


@admin.register(Absence)
class AbsenceAdmin(TenantModelAdmin):
    list_display = ["employee", "kind", "start", "end", "note"]
    list_filter = ["kind", ("start", admin.DateFieldListFilter), "employee"]
    list_select_related = ["employee"]
    search_fields = [
        "employee__first_name",
        "employee__last_name",
        "employee__employee_number",
        "note",
    ]
    date_hierarchy = "start"
    ordering = ["-start", "id"]
    autocomplete_fields = ["employee"]
    fields = ["employee", "kind", "start", "end", "note"]


# --- roster runs (made by the roster page's background task; read-only here) ----------------


class AssignmentFormSet(BaseInlineFormSet):
    # A long run has thousands of draft decisions; the page shows the first ones (open
    # shifts first, they carry the reasons). The run page has the whole roster.
    limit = 200

    def get_queryset(self):
        if not hasattr(self, "_limited"):
            self._limited = super().get_queryset()[: self.limit]
        return self._limited


class RosterAssignmentInline(TenantTabularInline):
    model = RosterAssignment
    formset = AssignmentFormSet
    fields = ["shift", "employee", "is_fixed", "open_reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "draft assignments (open shifts first)"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("shift__site", "employee")
            .order_by(F("employee_id").asc(nulls_first=True), "shift__start", "shift_id")
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RosterRun)
class RosterRunAdmin(TenantModelAdmin):
    list_display = [
        "__str__",
        "status",
        "start_date",
        "end_date",
        "filled_shifts",
        "open_shifts",
        "objective",
        "best_bound",
        "gap_percent",
        "created_by",
        "created_at",
    ]
    list_filter = ["status", ("start_date", admin.DateFieldListFilter)]
    list_select_related = ["created_by"]
    search_fields = ["phase", "message", "created_by__username"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    fieldsets = [
        (None, {"fields": ["status", "phase", "start_date", "end_date", "created_by"]}),
        (
            "Shifts",
            {"fields": ["total_shifts", "filled_shifts", "open_shifts", "open_lower_bound"]},
        ),
        (
            "Optimizer",
            {
                "fields": [
                    "objective",
                    "best_bound",
                    "gap_percent",
                    "soft_score",
                    "hard_violations",
                    "time_limit",
                    "elapsed_seconds",
                    "message",
                ]
            },
        ),
        ("Timing", {"fields": ["created_at", "started_at", "finished_at", "published_at"]}),
    ]
    readonly_fields = [
        name
        for _, options in fieldsets
        for name in options["fields"]  # every field: runs are made by the roster page
    ]
    inlines = [RosterAssignmentInline]

    @admin.display(description="gap")
    def gap_percent(self, run: RosterRun) -> str:
        gap = run.gap
        return "–" if gap is None else f"{gap:.1%}"

    def has_add_permission(self, request):
        # A run is started (and queued for the optimizer) from the roster page.
        return False

    def has_change_permission(self, request, obj=None):
        return False
