from django.db import transaction
from django.http import HttpResponse
from django.urls import path

from rostracore.tenancy.context import current_org


def whoami(request):
    org = current_org()
    return HttpResponse(org.slug if org else "-")


@transaction.non_atomic_requests  # ATOMIC_REQUESTS does not apply to async views
async def awhoami(request):
    org = current_org()
    return HttpResponse(org.slug if org else "-")


def boom(request):
    raise RuntimeError("the view failed")


urlpatterns = [
    path("whoami/", whoami),
    path("awhoami/", awhoami),
    path("boom/", boom),
]
