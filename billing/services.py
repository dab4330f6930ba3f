"""Writes on charge rates, whatever the surface (the rates page, the admin). Keyword-only,
typed, atomic; bad input is a ValidationError at the field, never a half-written row."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from billing.models import ChargeRate

_DUPLICATE = "This client already has a rate for this site and post."


@transaction.atomic
def save_charge_rate(*, rate: ChargeRate) -> ChargeRate:
    """Create or change `rate` after checking it (site of the client, post of the site, money
    and multipliers, one rate per client, site and post). A concurrent twin that slipped past
    the check is refused by the database's unique constraint, reported the same way."""
    rate.full_clean()
    try:
        with transaction.atomic():
            rate.save()
    except IntegrityError as error:
        if "billing_chargerate_once" in str(error):
            raise ValidationError({"post": ValidationError(_DUPLICATE, code="unique")}) from None
        raise
    return rate


@transaction.atomic
def delete_charge_rate(*, rate: ChargeRate) -> None:
    """Remove a rate: its shifts fall back to the next less specific rate, or none."""
    rate.delete()
