"""RostraCore's tenancy core: the one place that scopes data to an organization.

- `context`: the current organization (a ContextVar) and `use_org()` to set it.
- `models`: `TenantModel`, whose default manager fails closed, and `.all_orgs`, the
  deliberate escape hatch for platform code.
- `middleware`: sets the organization from the logged-in user for each request.
- `forms` and `admin`: base classes for apps' forms and admins.
- `checks`: system checks that every tenant model uses all of the above.

This package imports no domain app: the floors above it (organizations, clients, employees,
scheduling) import it, never the reverse.
"""
