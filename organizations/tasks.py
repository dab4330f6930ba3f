"""Emails, sent by the background worker (`manage.py db_worker`), never inside a request.

The task results table is shared by every organization (django_tasks_db has no notion of
one), so a task's arguments are ids, a template name and the site's address, never an email
address, a name or a link: the worker reads the user, renders the email inside the user's
organization (`use_org`) and makes the one-time link itself, from the user's state at that
moment (a token is valid until that state changes, so nothing secret waits in the queue).
A notice about a row (a leave decision) names the row by id too; the worker reads it inside
the user's organization, and sends nothing unless it is the user's own (its guard's login).
A failure stores "Email N failed", not the mail server's answer (which names the address).
"""

from __future__ import annotations

import logging
from contextlib import nullcontext

from django.apps import apps
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from organizations.models import User
from organizations.tokens import invitation_token
from rostracore.tenancy.context import use_org

logger = logging.getLogger(__name__)

# template name -> (URL name of the one-time link, its token generator)
EMAILS = {
    "invitation": ("accept_invitation", invitation_token),
    "password_reset": ("password_reset_confirm", default_token_generator),
}
# template name -> (label of the model the notice is about, URL name of the page it points
# to). A string model reference: the guards app sits above this one (imports go downwards).
# The model's `notice_subject(user=..., object_id=...)` finds what the notice is about, and
# only what is the user's own (None otherwise: nothing is sent).
NOTICES = {
    "leave_decision": ("guards.LeaveRequest", "guards:leave"),
    "no_show": ("attendance.Attendance", "scheduling:board"),
    "roster_changes": ("scheduling.ShiftChange", "guards:my_shifts"),
    "shift_request_decision": ("guards.ShiftRequest", "guards:my_shifts"),
}


class EmailTaskFailed(RuntimeError):
    """Sending an email failed. Names the template and the user's id only; the worker's log
    has the error."""


def render_email(
    *, template: str, user: User, base_url: str, subject_of: object = None
) -> EmailMultiAlternatives:
    """The email `template` for `user`: with a fresh one-time link on `base_url` (EMAILS), or
    about the row `subject_of` with a link to its page (NOTICES)."""
    if template in NOTICES:
        link = base_url.rstrip("/") + reverse(NOTICES[template][1]) if base_url else ""
    else:
        url_name, tokens = EMAILS[template]
        link = base_url.rstrip("/") + reverse(
            url_name,
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": tokens.make_token(user),
            },
        )
    context = {
        "user": user,
        "org": user.org,
        "link": link,
        "base_url": base_url.rstrip("/"),
        "subject_of": subject_of,
    }
    subject = render_to_string(f"organizations/emails/{template}_subject.txt", context)
    body = render_to_string(f"organizations/emails/{template}.txt", context)
    return EmailMultiAlternatives(
        " ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, [user.email]
    )


@task
def send_email(*, template: str, user_id: int, base_url: str, object_id: int | None = None) -> None:
    """Render and send the email `template` (a key of EMAILS or NOTICES) to the user
    `user_id`; a notice is about the row `object_id` of its model.

    A user who is gone, inactive or without an address gets nothing (the request that queued
    it answered alike either way), nor does a user the row is not about (another guard's or
    another organization's row: the scoped manager does not find the latter)."""
    if template not in EMAILS and template not in NOTICES:
        raise EmailTaskFailed(f"No email template {template!r}.")
    user = User.objects.select_related("org").filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return
    with use_org(user.org) if user.org_id is not None else nullcontext():
        subject_of = None
        if template in NOTICES:
            if user.org_id is None:
                return
            model = apps.get_model(NOTICES[template][0])
            subject_of = model.notice_subject(user=user, object_id=object_id)
            if not subject_of:
                return
        try:
            with timezone.override(user.org.timezone if user.org_id else settings.TIME_ZONE):
                message = render_email(
                    template=template, user=user, base_url=base_url, subject_of=subject_of
                )
            message.send()
        except Exception:
            logger.exception("Email %s to user %s failed", template, user_id)
            raise EmailTaskFailed(f"Email {template} to user {user_id} failed.") from None
