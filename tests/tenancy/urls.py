from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.urls import path

from rostracore.tenancy.context import current_org


def whoami(request):
    org = current_org()
    return HttpResponse(org.slug if org else "-")


@transaction.non_atomic_requests  # ATOMIC_REQUESTS does not apply to async views
async def awhoami(request):
    org = current_org()
    return HttpResponse(org.slug if org else "-")


def settings_after_iterator(request):
    """The first tenant query of the request is a server-side cursor (`.iterator()`, as in
    every ModelChoiceField); then read what the database has for this transaction."""
    from django.db import connection

    from clients.models import Client

    names = [client.client_name for client in Client.objects.iterator()]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(current_setting('rostracore.org_id', true), ''), "
            "coalesce(current_setting('rostracore.all_orgs', true), '')"
        )
        org_id, all_orgs = cursor.fetchone()
    in_atomic = connection.in_atomic_block
    return JsonResponse(
        {"org_id": org_id, "all_orgs": all_orgs, "clients": names, "atomic": in_atomic}
    )


def boom(request):
    raise RuntimeError("the view failed")


urlpatterns = [
    path("whoami/", whoami),
    path("awhoami/", awhoami),
    path("boom/", boom),
    path("settings-after-iterator/", settings_after_iterator),
]
