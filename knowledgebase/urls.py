from django.urls import path

from portal.views import not_yet_published

app_name = "kb"

urlpatterns = [
    path(
        "",
        not_yet_published,
        {"title": "Knowledge base", "summary": "Articles and FAQs about the add-on."},
        name="index",
    ),
]
