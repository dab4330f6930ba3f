"""Admin for organizations (platform staff) and users (each organization's own).

Groups (Django's admin) and every other admin that does not scope by organization are made
platform-only by `restrict_unscoped_admins()` (rostracore.apps.AdminConfig).

User is not a tenant model (platform staff have no organization), so UserAdmin scopes
itself the same way TenantModelAdmin does: a manager sees and edits the users of their own
organization, never platform staff, never `org`, groups or permissions. Every add makes a
manager through `services.create_manager`: a manager adds a colleague by email
(`ManagerAddForm`) and gets the same answer whether or not that address already has a login
somewhere; platform staff add one to any organization (`PlatformUserCreationForm`).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.core.validators import validate_email
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.urls import reverse

from organizations import services
from organizations.models import Organization, User
from rostracore.tenancy.access import is_platform
from rostracore.tenancy.admin import PlatformOnlyAdmin


@admin.register(Organization)
class OrganizationAdmin(PlatformOnlyAdmin):
    list_display = ["company_name", "slug", "timezone", "user_count", "created_at"]
    search_fields = ["company_name", "slug"]
    prepopulated_fields = {"slug": ["company_name"]}
    date_hierarchy = "created_at"
    ordering = ["company_name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_users=Count("users"))

    @admin.display(description="users", ordering="n_users")
    def user_count(self, org: Organization) -> int:
        return org.n_users

    # Offboarding. Django's delete confirmation lists every row it would delete (hundreds of
    # thousands for a big company) and deletes them in the caller's mode, which row-level
    # security refuses for platform mode. Here the page shows counts per kind of row, and
    # the delete runs through organizations.services, inside the organization.
    def get_deleted_objects(self, objs, request):
        summary: dict[str, int] = {}
        for org in objs:
            for name, count in services.offboarding_summary(org=org).items():
                summary[name] = summary.get(name, 0) + count
        names = [f"{org} ({org.slug}) with all its data" for org in objs]
        return names, summary, set(), []

    def delete_model(self, request, obj):
        services.offboard_organization(org=obj)

    def delete_queryset(self, request, queryset):
        for org in queryset:
            services.offboard_organization(org=org)


class PlatformUserCreationForm(AdminUserCreationForm):
    """Platform staff add a manager of any organization: a login (an email address, as every
    manager's is: services.create_manager), a password or none, the organization."""

    def clean_username(self) -> str | None:
        username = super().clean_username()  # None when it is taken (the error is added)
        if username is not None:
            validate_email(username)  # EmailField's validator and message
        return username

    def clean_org(self):
        org = self.cleaned_data.get("org")
        if org is None:
            raise forms.ValidationError(
                "Choose the organization. (Create platform staff with createsuperuser.)",
                code="org_required",
            )
        return org


class ManagerAddForm(forms.ModelForm):
    """What a manager fills in to add a colleague: the email, which becomes the login, and
    names. No uniqueness check and no error for a taken address: usernames are unique across
    the platform, so "a user with that username already exists" would tell the manager that
    the address belongs to another organization or to platform staff. UserAdmin.save_model
    hands the address to services.create_manager, and response_add answers alike whether it
    made a user or raised ManagerExists."""

    class Meta:
        model = User
        fields = ["email", "first_name", "last_name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["email"].help_text = "Their login. They get no password until you set one."

    def clean_email(self) -> str:
        return User.objects.normalize_email(self.cleaned_data["email"].strip())


def _added_message(email: str, org: Organization) -> str:
    """The one answer to a manager's add, whether a user was made or not."""
    return (
        f"If {email} had no RostraCore login yet, it now has one as a manager of {org}: "
        "open it in the list below to set its password. An address that already had a "
        "login is left as it was."
    )


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    scoped_by_organization = True  # see get_queryset (restrict_unscoped_admins)
    list_display = ["username", "email", "first_name", "last_name", "is_active", "last_login"]
    search_fields = ["username", "first_name", "last_name", "email"]
    ordering = ["username"]
    manager_fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Personal info", {"fields": ["first_name", "last_name", "email"]}),
        ("Status", {"fields": ["is_active", "last_login", "date_joined"]}),
    ]
    manager_add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "first_name", "last_name"],
            },
        ),
    ]

    def get_queryset(self, request):
        users = super().get_queryset(request)
        if is_platform(request):
            return users.select_related("org")
        if getattr(request, "org", None) is None:
            return users.none()
        # Platform staff are never a manager's to see or edit, even with an organization.
        return users.filter(org=request.org, is_superuser=False)

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if is_platform(request):
            columns[1:1] = ["org", "is_superuser"]
        return columns

    def get_list_filter(self, request):
        if is_platform(request):
            return ["org", "is_superuser", "is_staff", "is_active", "groups"]
        return ["is_active"]

    def get_fieldsets(self, request, obj=None):
        if is_platform(request):
            if obj is None:
                return [*self.add_fieldsets, ("Organization", {"fields": ["org", "role"]})]
            return [*self.fieldsets, ("Organization", {"fields": ["org", "role"]})]
        return self.manager_add_fieldsets if obj is None else self.manager_fieldsets

    def get_readonly_fields(self, request, obj=None):
        if is_platform(request):
            return super().get_readonly_fields(request, obj)
        return ["last_login", "date_joined"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = PlatformUserCreationForm if is_platform(request) else ManagerAddForm
        return super().get_form(request, obj, **kwargs)

    def add_view(self, request, form_url="", extra_context=None):
        if not is_platform(request):
            # "Save and continue editing" would open the new user, if there was one.
            extra_context = {**(extra_context or {}), "show_save_and_continue": False}
        return super().add_view(request, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if change:
            if not is_platform(request):
                obj.org = request.org  # a manager's users belong to the manager's organization
            super().save_model(request, obj, form, change)
            return
        # A user added here is a manager, made by services.create_manager. `obj` is the
        # form's unsaved instance; with the new user's id the admin's history
        # (log_addition) records the addition and response_add links to it.
        if is_platform(request):
            # The add form hashed the password (or made it unusable); the username is an
            # address nobody has (clean_username), so ManagerExists means a simultaneous add.
            added = services.create_manager(
                org=obj.org, email=obj.username, password_hash=obj.password
            )
        else:
            try:
                added = services.create_manager(
                    org=request.org,
                    email=form.cleaned_data["email"],
                    first_name=form.cleaned_data["first_name"],
                    last_name=form.cleaned_data["last_name"],
                )
            except services.ManagerExists:
                added = None  # the address has a login somewhere: left as it was, said alike
        obj.pk = added.pk if added else None
        if added:
            obj.username = added.username

    def log_addition(self, request, obj, message):
        if obj.pk is not None:  # a manager's add that added nobody (save_model) logs nothing
            return super().log_addition(request, obj, message)
        return None

    def response_add(self, request, obj, post_url_continue=None):
        if is_platform(request):
            return super().response_add(request, obj, post_url_continue)
        # The same message and the same page whether a user was added or not (ManagerAddForm).
        self.message_user(request, _added_message(obj.email, request.org), messages.SUCCESS)
        name = "add" if "_addanother" in request.POST else "changelist"
        return HttpResponseRedirect(reverse(f"admin:organizations_user_{name}"))

    def delete_model(self, request, obj):
        services.erase_user(user=obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            services.erase_user(user=user)
