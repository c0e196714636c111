"""Knowledge base in Chromium: browse, search, read, vote, and suggestions on the incident form."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from knowledgebase.demo import seed
from knowledgebase.models import ArticleVote, DeflectionEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_kb(db):
    from lifecycle.demo import seed as seed_lifecycle

    seed_lifecycle(now=timezone.now(), stdout=io.StringIO())  # the add-on's versions, as seed_demo does
    seed(now=timezone.now(), stdout=io.StringIO())


def test_a_visitor_browses_searches_reads_and_votes(page, live_server, screenshot, demo_kb):
    page.goto(f"{live_server.url}/help/")
    assert page.get_by_role("heading", name="Knowledge base", level=1).is_visible()
    assert page.get_by_role("heading", name="Troubleshooting").is_visible()
    screenshot("kb-index")

    page.fill("input[name=q]", "blank bin codes")
    page.get_by_role("button", name="Search").first.click()
    page.wait_for_load_state("networkidle")
    first = page.locator(".kb-item").first
    assert "Pick list prints blank bin codes" in first.inner_text()
    assert page.locator(".kb-snippet mark").count() > 0
    screenshot("kb-search-results")

    first.locator("a").first.click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Last reviewed").is_visible()
    assert "Versions 29.0, 28.0, 27.0, 14.0" in page.locator(".kb-aside").inner_text()
    assert page.locator(".kb-body h2, .kb-body strong").count() > 0
    assert (
        page.get_by_role(
            "link", name="Deutsch: Pickliste druckt nach dem Update auf 24.3 leere Lagerplatzcodes"
        ).count()
        == 1
    )
    page.get_by_role("button", name="Yes").click()
    page.get_by_text("Thank you for your feedback.").wait_for()
    assert page.url.endswith("/help/articles/pick-list-blank-bin-codes/")  # swapped in place by htmx
    assert ArticleVote.objects.filter(article__slug="pick-list-blank-bin-codes", user=None).count() == 5
    screenshot("kb-article-voted")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    screenshot("kb-article-mobile")


def test_absurd_searches_answer_with_a_helpful_empty_state(page, live_server, screenshot, demo_kb):
    page.goto(f"{live_server.url}/help/search/?q=%21%40%23%24%25%5E%26*%28%29")
    assert page.get_by_role("heading", name="Type a word to search for").is_visible()
    page.goto(f"{live_server.url}/help/search/?q=" + "warehouse%20" * 1000)
    assert page.get_by_text("Your search was very long").is_visible()
    page.goto(f"{live_server.url}/help/search/?q=qqqzzz&kind=faq")
    assert page.get_by_role("heading", name="No articles match your search").is_visible()
    screenshot("kb-search-empty")


def test_faq_page_opens_answers(page, live_server, screenshot, demo_kb):
    page.goto(f"{live_server.url}/help/faq/")
    question = page.locator("details.kb-faq-item summary", has_text="Which versions of Business Central")
    question.click()
    assert page.get_by_text("Dynamics NAV 2018").first.is_visible()
    screenshot("kb-faq")


def test_suggestions_appear_while_typing_an_incident_and_opening_one_is_recorded(
    page, live_server, login, customer, screenshot, demo_kb
):
    login(customer)
    page.goto(f"{live_server.url}/incidents/new/")
    slot = page.locator("#kb-suggestions")
    assert slot.get_by_role("link", name="Search the knowledge base").is_visible()  # before typing

    page.fill("input[name='title']", "Pick list prints blank bin codes")
    page.locator("input[name='title']").press("s")  # a keyup
    slot.locator("li").first.wait_for()
    assert 1 <= slot.locator("li").count() <= 5
    assert "Pick list prints blank bin codes" in slot.locator("li").first.inner_text()
    page.fill(
        "textarea[name='description']", "Since the upgrade the zebra label printer prints the labels at half size"
    )
    page.locator("textarea[name='description']").press("e")
    # A locator wait, not wait_for_function: that evaluates a string, which the CSP forbids.
    expect(slot).to_contain_text("Shipping labels")
    screenshot("kb-incident-suggestions")

    with page.context.expect_page() as new_tab:
        slot.locator("li a").first.click()
    article_tab = new_tab.value
    article_tab.wait_for_load_state("networkidle")
    assert "Opened from your new incident" in article_tab.content()
    event = DeflectionEvent.objects.exclude(token__startswith="demo-").get()
    assert event.user == customer
    assert event.submitted_at is None


def test_an_engineer_drafts_an_article_from_an_incident_and_sees_the_statistics(
    page, live_server, login, engineer, customer, organization, screenshot, demo_kb
):
    from incidents.services import NewIncident, comment_add, incident_create
    from tests.factories import severity

    now = timezone.now()
    incident = incident_create(
        organization=organization,
        submitted_by=customer,
        data=NewIncident(title="Labels print at half size", description="Our label printer", severity=severity("C")),
        now=now,
    ).incident
    comment_add(incident=incident, author=engineer, body="Set **Resolution (dpi)** to `300`.", now=now)

    login(engineer)
    page.goto(f"{live_server.url}/help/staff/from-incident/{incident.number}/")
    assert page.get_by_text("Set **Resolution (dpi)** to `300`.").is_visible()
    screenshot("kb-from-incident")
    page.get_by_role("button", name="Create draft article").click()
    page.wait_for_load_state("networkidle")
    assert "/admin/knowledgebase/article/" in page.url
    assert page.locator("#id_title").input_value() == "Labels print at half size"
    assert "Resolution (dpi)" in page.locator("#id_body").input_value()
    screenshot("kb-admin-draft")

    page.goto(f"{live_server.url}/admin/knowledgebase/article/?q=pick+list")
    row = page.locator("#result_list tbody tr", has_text="Pick list prints blank bin codes after upgrade to 24.3")
    assert "75% (3/4)" in row.inner_text()
    assert "100% (2/2)" in row.inner_text()
    screenshot("kb-admin-articles")
