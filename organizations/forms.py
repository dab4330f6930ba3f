"""Password reset by email, for every user (managers, guards, platform staff)."""

from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm

from organizations.tasks import send_email


class PasswordResetForm(DjangoPasswordResetForm):
    """Django's form, which answers alike for any address (no username enumeration), except
    that the email is queued for the background worker instead of sent inside the request:
    the task gets the user's id and the site's address, the worker renders the email and
    makes the link (organizations.tasks)."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ) -> None:
        send_email.enqueue(
            template="password_reset",
            user_id=context["user"].pk,
            base_url=f"{context['protocol']}://{context['domain']}",
        )
