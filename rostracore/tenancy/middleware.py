"""Sets the current organization from the authenticated user, for one request.

The organization comes only from `request.user.org` — never from the session, the URL, a
form field or a header. Anonymous users and platform staff get none, so any scoped query
they reach fails closed; platform staff are in platform mode (`all_organizations()`), so
their `Model.all_orgs` reads see every organization. The previous value is restored in
`finally`, whatever the view did. It also activates the organization's timezone.
Works under WSGI and ASGI.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.utils import timezone

from rostracore.tenancy.context import _actor_id, _all_orgs, _current_org


def _org_of(user):
    if user.is_authenticated and user.org_id is not None:
        return user.org
    return None


@contextmanager
def _request_scope(request, user, org) -> Iterator[None]:
    token = _current_org.set(org)
    # Platform staff (superusers without an organization) read across organizations;
    # everyone else never does, whatever the surrounding context held.
    platform = org is None and user.is_authenticated and user.is_superuser
    all_token = _all_orgs.set(platform)
    actor_token = _actor_id.set(user.pk if user.is_authenticated else None)
    request.org = org
    if org is not None:
        timezone.activate(org.timezone)
    try:
        yield
    finally:
        timezone.deactivate()
        _actor_id.reset(actor_token)
        _all_orgs.reset(all_token)
        _current_org.reset(token)


class CurrentOrganizationMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(self.get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self.__acall__(request)
        with _request_scope(request, request.user, _org_of(request.user)):
            return self.get_response(request)

    async def __acall__(self, request):
        user = await request.auser()
        org = await sync_to_async(_org_of)(user)
        with _request_scope(request, user, org):
            return await self.get_response(request)
