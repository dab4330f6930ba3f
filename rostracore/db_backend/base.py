"""PostgreSQL backend that starts the embedded server on first connection.

Used only when DATABASE_URL is not set (see settings.py). Everything else is Django's own
PostgreSQL backend.
"""

from django.db.backends.postgresql import base

from rostracore import embedded_db


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        self.settings_dict["HOST"] = embedded_db.socket_dir()
        return super().get_connection_params()
