"""Migrations of django-tasks-db's queue table (app label "django_tasks_database").

The package's own migration 0016 runs a data fix through the default database alias instead
of the migrating connection, which breaks under our two roles (the owner migrates; the runtime
role cannot see the table yet). A new database needs none of that history, so
settings.MIGRATION_MODULES points the app here: one initial migration of the current table.
"""
