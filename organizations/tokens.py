"""One-time links in emails: the guard's invitation (password reset is Django's own).

Tokens are Django's (`PasswordResetTokenGenerator`: an HMAC of the user's state and a
timestamp, nothing stored). The state includes the password hash and the last login, so
setting a password or logging in ends a link; the invitation's also includes
`User.invited_at`, so inviting again ends every earlier link, and the organization, so a
token is bound to it (TENANCY.md 17). Its own `key_salt`: an invitation link is no password
reset link, and the other way round.
"""

from django.contrib.auth.tokens import PasswordResetTokenGenerator


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "organizations.tokens.InvitationTokenGenerator"

    def _make_hash_value(self, user, timestamp: int) -> str:
        invited = "" if user.invited_at is None else user.invited_at.isoformat()
        return f"{super()._make_hash_value(user, timestamp)}{invited}{user.org_id}"


# Valid for PASSWORD_RESET_TIMEOUT (Django's default: three days).
invitation_token = InvitationTokenGenerator()
