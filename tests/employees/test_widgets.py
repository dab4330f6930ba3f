"""ClientSelect: the <select> of clients and sites rendered in Python (employees.forms)."""

import re

from django import forms
from django.utils.safestring import mark_safe

from employees.forms import ClientSelect

CHOICES = [
    ("", "All clients"),
    ("7", "Acme <script>alert(1)</script>"),
    ("8", 'O\'Brien & "Sons"'),
    ("9", mark_safe("Already <em>safe</em>")),
]


def test_the_options_are_djangos_select_markup_with_every_name_escaped():
    ours = ClientSelect(choices=CHOICES).render("client", "8", attrs={"id": "id_client"})
    djangos = forms.Select(choices=CHOICES).render("client", "8", attrs={"id": "id_client"})

    assert ours == re.sub(r">\s+<", "><", djangos)
    assert "<script>" not in ours
    assert "&lt;script&gt;" in ours
    assert '<option value="8" selected>O&#x27;Brien &amp; &quot;Sons&quot;</option>' in ours


def test_without_a_value_the_empty_choice_is_selected_as_in_djangos_select():
    html = ClientSelect(choices=CHOICES).render("client", None)

    assert re.findall(r'<option value="(\d*)" selected>', html) == [""]
    assert html.startswith('<select name="client">')
