"""The page behind an invitation link: a guard sets their first password."""

from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from organizations.models import User
from organizations.tokens import invitation_token


def _invited_user(uidb64: str, token: str) -> User | None:
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    user = User.objects.filter(pk=pk, is_active=True, org__isnull=False).first()
    if user is None or not invitation_token.check_token(user, token):
        return None
    return user


@sensitive_post_parameters("new_password1", "new_password2")
@never_cache
def accept_invitation(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """Set a password from an invitation link. The password (or a new invitation, or a
    login) changes the token's hash, so the link works once; every invalid link, whoever's
    it names, gets the same "no longer valid" page."""
    user = _invited_user(uidb64, token)
    if user is None:
        return render(request, "registration/invitation_invalid.html", status=404)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        return render(request, "registration/invitation_done.html", {"invited": user})
    return render(request, "registration/invitation_set_password.html", {"form": form})
