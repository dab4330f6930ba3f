"""`migrate` runs as the owner role by default.

The runtime role (alias "default") may only read and write rows; tables belong to the owner
role (alias "owner"), which runs migrations. `manage.py migrate` therefore defaults to
`--database owner` when that alias exists; everything else about the command is Django's.
"""

from django.conf import settings
from django.core.management.commands import migrate

from rostracore.tenancy.db import OWNER_ALIAS


class Command(migrate.Command):
    def add_arguments(self, parser):
        super().add_arguments(parser)
        if OWNER_ALIAS in settings.DATABASES:
            parser.set_defaults(database=OWNER_ALIAS)
