"""/accounts/api-tokens/: a person's personal API tokens (linked from the account page)."""

from django.urls import path

from accounts.api import token_views

urlpatterns = [
    path("", token_views.api_tokens, name="api_tokens"),
    path("<int:pk>/revoke/", token_views.api_token_revoke_view, name="api_token_revoke"),
]
