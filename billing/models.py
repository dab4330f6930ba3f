"""Charge rates: what the security company bills a client per hour of guarding.

A rate is the client's, or narrowed to one of its sites, or to one post of that site; the
most specific rate wins for a shift (`billing.invoices.rate_for`). The database holds the
rules that must always hold: one rate per (client, site, post) with the empty site and post
counting as values (`nulls_distinct=False`), positive money, multipliers of at least 1, and
composite keys so a rate's site belongs to its client and its post to its site (billing
0001; a plain foreign key would accept another client's site).
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from rostracore.tenancy.models import TenantModel


class ChargeRate(TenantModel):
    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="charge_rates"
    )
    site = models.ForeignKey(
        "clients.Site",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="charge_rates",
        help_text="Leave empty for the client's rate at every site.",
    )
    post = models.ForeignKey(
        "scheduling.Post",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="charge_rates",
        help_text="Leave empty for every post of the site.",
    )
    hourly_rate = models.DecimalField(
        "hourly rate",
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"), "The hourly rate must be more than zero.")],
        help_text="Per hour, before VAT.",
    )
    sunday_multiplier = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.50"),
        validators=[MinValueValidator(1, "The Sunday multiplier must be at least 1.")],
        help_text="e.g. 1.50",
    )
    public_holiday_multiplier = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=Decimal("2.00"),
        validators=[MinValueValidator(1, "The public-holiday multiplier must be at least 1.")],
        help_text="e.g. 2.00; a public holiday on a Sunday is billed at this one.",
    )

    class Meta(TenantModel.Meta):
        ordering = ["client__client_name", "site__name", "post__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "client", "site", "post"],
                nulls_distinct=False,
                name="billing_chargerate_once",
                violation_error_message="This client already has a rate for this site and post.",
            ),
            models.CheckConstraint(
                condition=Q(hourly_rate__gt=0),
                name="billing_chargerate_rate_positive",
                violation_error_message="The hourly rate must be more than zero.",
            ),
            models.CheckConstraint(
                condition=Q(sunday_multiplier__gte=1),
                name="billing_chargerate_sunday_at_least_1",
                violation_error_message="The Sunday multiplier must be at least 1.",
            ),
            models.CheckConstraint(
                condition=Q(public_holiday_multiplier__gte=1),
                name="billing_chargerate_holiday_at_least_1",
                violation_error_message="The public-holiday multiplier must be at least 1.",
            ),
            models.CheckConstraint(
                condition=Q(post__isnull=True) | Q(site__isnull=False),
                name="billing_chargerate_post_needs_site",
                violation_error_message="Choose the post's site too.",
            ),
        ]

    def __str__(self) -> str:
        where = self.post.name if self.post_id else self.site.name if self.site_id else "all sites"
        return f"{self.client} · {where} · {self.hourly_rate}/h"

    def get_absolute_url(self) -> str:
        return reverse("billing:rate_edit", kwargs={"pk": self.pk})

    def clean(self) -> None:
        """The composite keys refuse a site of another client or a post of another site;
        this says so at the field first."""
        errors = {}
        if self.site_id and self.client_id and self.site.client_id != self.client_id:
            errors["site"] = ValidationError("This site is not the client's.", code="site_client")
        if self.post_id:
            if not self.site_id:
                errors["site"] = ValidationError("Choose the post's site too.", code="post_site")
            elif self.post.site_id != self.site_id:
                errors["post"] = ValidationError("This post is not at the site.", code="post_site")
        if errors:
            raise ValidationError(errors)
