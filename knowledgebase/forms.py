"""The search form: a query and optional filters, all tolerant of bad input."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from knowledgebase.models import ArticleKind, Category
from knowledgebase.selectors import SearchFilters
from lifecycle.models import Product, ProductVersion


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search the knowledge base"),
        required=False,
        strip=True,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("e.g. bin codes blank after upgrade"), "autocomplete": "off"}
        ),
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.all(), to_field_name="slug", required=False, empty_label=_("All")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All")), *ArticleKind.choices], required=False)
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.all(), to_field_name="code", required=False, empty_label=_("All")
    )
    version = forms.ModelChoiceField(
        label=_("Version"),
        queryset=ProductVersion.objects.select_related("product"),
        required=False,
        empty_label=_("All"),
    )

    def filters(self) -> SearchFilters:
        """The valid filters; an invalid one (a stale link) is dropped, not an error page."""
        self.is_valid()
        data = self.cleaned_data  # holds the fields that were valid
        return SearchFilters(
            category=data.get("category"),
            kind=data.get("kind") or "",
            product=data.get("product"),
            version=data.get("version"),
        )

    def query(self) -> str:
        self.is_valid()
        return self.cleaned_data.get("q") or ""
