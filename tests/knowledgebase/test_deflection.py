"""Suggestions on the incident form, deflection, and articles drafted from incidents."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from incidents.models import Visibility
from incidents.services import NewIncident, comment_add, incident_create
from knowledgebase.models import Article, ArticleStatus, ArticleVisibility, DeflectionEvent
from knowledgebase.selectors_stats import DEFLECTION_WINDOW, article_stats
from knowledgebase.services import DEFLECTION_SESSION_KEY, deflection_mark_submitted
from tests.factories import PASSWORD, severity
from tests.knowledgebase.kbfactories import ArticleFactory, CategoryFactory

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    assert client.login(request=HttpRequest(), username=user.username, password=PASSWORD)
    return client


def suggestion_links(html: str) -> list[str]:
    import re

    return re.findall(r'href="(/help/articles/[^"]+)"', html)


def test_the_slot_asks_for_suggestions_as_the_title_and_description_change():
    request = RequestFactory().get("/incidents/new/")
    html = render_to_string("knowledgebase/_suggest_slot.html", request=request)
    assert f'hx-get="{reverse("kb:suggest")}"' in html
    assert "keyup changed delay:400ms from:input[name='title']" in html
    assert "keyup changed delay:400ms from:textarea[name='description']" in html
    assert "hx-include=\"input[name='title'], textarea[name='description']\"" in html
    assert reverse("kb:search") in html  # the no-JavaScript fallback


def test_suggestions_show_the_five_best_articles_the_person_may_read(client, customer):
    for n in range(7):
        ArticleFactory(title=f"Warehouse shipment cannot be posted {n}")
    ArticleFactory(title="Warehouse shipment internal runbook", visibility=ArticleVisibility.INTERNAL)

    response = signed_in(client, customer).get(
        reverse("kb:suggest"), {"title": "shipment not posted", "description": "warehouse error"}
    )

    links = suggestion_links(response.content.decode())
    assert len(links) == 5
    assert all("?from=incident&amp;s=" in link for link in links)
    assert "internal runbook" not in response.content.decode()


def test_suggestions_for_an_empty_form_show_a_hint(client):
    response = client.get(reverse("kb:suggest"), {"title": "", "description": ""})
    assert "will appear here as you type" in response.content.decode()
    assert DEFLECTION_SESSION_KEY not in client.session


def opened_from_form(client, article) -> str:
    """Ask for suggestions like the form does, then open the article's suggestion link."""
    html = client.get(reverse("kb:suggest"), {"title": article.title}).content.decode()
    link = next(link for link in suggestion_links(html) if article.slug in link).replace("&amp;", "&")
    assert client.get(link).status_code == 200
    return client.session[DEFLECTION_SESSION_KEY]


def test_opening_a_suggestion_records_one_event_per_article_and_form(client, customer):
    article = ArticleFactory(title="Replenishment job queue stuck")
    signed_in(client, customer)

    opened_from_form(client, article)
    opened_from_form(client, article)

    event = DeflectionEvent.objects.get()
    assert event.article == article
    assert event.user == customer
    assert event.submitted_at is None


def test_a_forged_token_records_nothing(client):
    article = ArticleFactory()
    client.get(reverse("kb:article", kwargs={"slug": article.slug}), {"from": "incident", "s": "0" * 32})
    assert not DeflectionEvent.objects.exists()


def test_leaving_without_submitting_counts_as_deflected_after_the_window(client, customer):
    article = ArticleFactory(title="Label printing wrong size")
    signed_in(client, customer)
    opened_from_form(client, article)
    opened_at = DeflectionEvent.objects.get().opened_at

    during = article_stats(article_ids=[article.pk], now=opened_at + dt.timedelta(minutes=5))[article.pk]
    after = article_stats(article_ids=[article.pk], now=opened_at + DEFLECTION_WINDOW * 2)[article.pk]

    assert (during.suggestions_opened, during.deflected) == (1, 0)
    assert (after.suggestions_opened, after.deflected) == (1, 1)


def test_filing_the_incident_marks_opened_suggestions_not_deflected_and_the_next_form_starts_afresh(
    client, customer, organization
):
    article = ArticleFactory(title="Cycle count variance")
    signed_in(client, customer)
    token = opened_from_form(client, article)
    opened_at = DeflectionEvent.objects.get().opened_at
    # Filed long after the window: only the mark tells that the suggestion did not deflect it.
    filed_at = opened_at + DEFLECTION_WINDOW * 3
    incident_create(
        organization=organization,
        submitted_by=customer,
        data=NewIncident(title="Cycle count variance", description="Counts differ", severity=severity("B")),
        now=filed_at,
    )

    # The next form asks for suggestions: the knowledge base sees the incident filed.
    client.get(reverse("kb:suggest"), {"title": article.title})

    event = DeflectionEvent.objects.get()
    assert event.token == token
    assert event.submitted_at == filed_at
    stats = article_stats(article_ids=[article.pk], now=filed_at + DEFLECTION_WINDOW * 2)[article.pk]
    assert stats.deflected == 0
    assert client.session[DEFLECTION_SESSION_KEY] != token  # the next form gets a fresh token


def test_an_unfiled_form_keeps_its_token(client, customer):
    article = ArticleFactory(title="Put-away suggestions empty")
    signed_in(client, customer)
    token = opened_from_form(client, article)
    client.get(reverse("kb:suggest"), {"title": article.title})
    assert client.session[DEFLECTION_SESSION_KEY] == token
    assert deflection_mark_submitted(token=token, user=customer) == 0
    assert DeflectionEvent.objects.get().submitted_at is None


def test_an_incident_filed_in_the_window_is_not_deflected_even_without_the_hook(client, customer, organization):
    article = ArticleFactory(title="Bin transfer duplicate key")
    signed_in(client, customer)
    opened_from_form(client, article)
    opened_at = DeflectionEvent.objects.get().opened_at
    incident_create(
        organization=organization,
        submitted_by=customer,
        data=NewIncident(title="Bin transfer fails", description="Duplicate key", severity=severity("B")),
        now=opened_at + dt.timedelta(minutes=10),
    )

    stats = article_stats(article_ids=[article.pk], now=opened_at + DEFLECTION_WINDOW * 2)[article.pk]

    assert (stats.suggestions_opened, stats.deflected) == (1, 0)


@pytest.fixture
def answered_incident(organization, customer, engineer, now):
    incident = incident_create(
        organization=organization,
        submitted_by=customer,
        data=NewIncident(
            title="Pick list prints blank bin codes", description="Our secret pick list", severity=severity("B")
        ),
        now=now,
    ).incident
    comment_add(incident=incident, author=engineer, body="First reply.", now=now + dt.timedelta(minutes=5))
    comment_add(
        incident=incident,
        author=engineer,
        body="Internal: check the layout.",
        visibility=Visibility.INTERNAL,
        now=now + dt.timedelta(minutes=6),
    )
    comment_add(incident=incident, author=customer, body="Thanks!", now=now + dt.timedelta(minutes=7))
    comment_add(incident=incident, author=engineer, body="Update to **24.3.2**.", now=now + dt.timedelta(minutes=8))
    comment_add(incident=incident, author=customer, body="It works.", now=now + dt.timedelta(minutes=9))
    return incident


def test_engineers_create_a_draft_from_the_title_and_last_public_staff_reply(client, engineer, answered_incident):
    CategoryFactory(slug="troubleshooting", name="Troubleshooting")
    url = reverse("kb:from-incident", kwargs={"number": answered_incident.number})
    signed_in(client, engineer)

    page = client.get(url)
    response = client.post(url)

    assert page.status_code == 200
    assert "Update to **24.3.2**." in page.content.decode()
    article = Article.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:knowledgebase_article_change", args=[article.pk])
    assert article.title == "Pick list prints blank bin codes"
    assert article.status == ArticleStatus.DRAFT
    assert "Update to **24.3.2**." in article.body
    assert "Internal: check the layout." not in article.body
    assert "Our secret pick list" not in article.body
    assert article.source_incident == answered_incident
    # A second click opens the same draft instead of writing another.
    client.post(url)
    assert Article.objects.count() == 1


def test_customers_cannot_create_articles_from_incidents(client, customer, answered_incident):
    url = reverse("kb:from-incident", kwargs={"number": answered_incident.number})
    assert signed_in(client, customer).post(url).status_code == 404
    assert not Article.objects.exists()


def test_visitors_are_sent_to_sign_in_for_the_engineers_shortcut(client, answered_incident):
    response = client.get(reverse("kb:from-incident", kwargs={"number": answered_incident.number}))
    assert response.status_code == 302


def test_the_incident_queue_action_drafts_an_article(client, engineer, answered_incident):
    signed_in(client, engineer)

    response = client.post(
        reverse("admin:incidents_incident_changelist"),
        {"action": "create_kb_article", "_selected_action": [answered_incident.pk]},
    )

    article = Article.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:knowledgebase_article_change", args=[article.pk])
    assert article.source_incident == answered_incident
    assert article.status == ArticleStatus.DRAFT
