"""Base form for tenant models.

- The organization is never a form field: it comes from the current organization (the
  logged-in user), set on the instance before validation.
- Foreign-key choices are the current organization's rows only: the tenant manager filters
  when the choices are rendered or a submitted id is looked up, so another organization's id
  is "Select a valid choice", the same as a missing one.
- Per-organization unique constraints are validated on the form and reported on their field
  (see TenantModel.validate_constraints), never as an IntegrityError.
"""

from django import forms

from rostracore.tenancy.context import require_org
from rostracore.tenancy.models import ORG_FIELD


class TenantModelForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop(ORG_FIELD, None)

    def _post_clean(self):
        if self.instance.org_id is None:
            self.instance.org = require_org("A form for a tenant model")
        super()._post_clean()
