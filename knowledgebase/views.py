"""Public knowledge-base pages, the incident-form suggestions and the engineers' shortcut."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from core.markdown import render_markdown
from core.public_cache import every_quarter_hour, public_page
from incidents.models import Comment, Incident, Visibility
from incidents.selectors import incident_numbered
from knowledgebase import selectors, services
from knowledgebase.forms import SearchForm
from knowledgebase.models import SEARCH_CONFIGS, ArticleStatus, Category


def _language(request: HttpRequest) -> str:
    code = (getattr(request, "LANGUAGE_CODE", None) or translation.get_language() or "en")[:2]
    return code if code in SEARCH_CONFIGS else "en"


@require_GET
@public_page(vary=every_quarter_hour)
def index(request: HttpRequest) -> HttpResponse:
    language = _language(request)
    return render(
        request,
        "knowledgebase/index.html",
        {
            "form": SearchForm(),
            "sections": selectors.kb_index(user=request.user, language=language),
            "recent": selectors.articles_recent(user=request.user, language=language, limit=6),
        },
    )


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    results = selectors.article_search(
        user=request.user,
        query=form.query(),
        language=_language(request),
        filters=form.filters(),
        page=request.GET.get("page"),
    )
    query_string = request.GET.copy()
    query_string.pop("page", None)
    return render(
        request,
        "knowledgebase/search.html",
        {"form": form, "results": results, "page_query": query_string.urlencode()},
    )


@require_GET
@public_page(params=["page"], vary=every_quarter_hour)
def category(request: HttpRequest, slug: str) -> HttpResponse:
    category = get_object_or_404(Category, slug=slug)
    page = selectors.category_articles(
        user=request.user, category=category, language=_language(request), page=request.GET.get("page")
    )
    return render(request, "knowledgebase/category.html", {"category": category, "page_obj": page})


@require_GET
@public_page(params=["page"], vary=every_quarter_hour)
def faq(request: HttpRequest) -> HttpResponse:
    page = selectors.faq_articles(user=request.user, language=_language(request), page=request.GET.get("page"))
    items = [(article, render_markdown(article.body)) for article in page.object_list]
    return render(request, "knowledgebase/faq.html", {"page_obj": page, "items": items})


def _article_or_login(request: HttpRequest, slug: str):
    try:
        return selectors.article_get_for_user(user=request.user, slug=slug), None
    except selectors.SignInRequired:
        return None, redirect_to_login(reverse("kb:article", kwargs={"slug": slug}))


@require_GET
@public_page(vary=every_quarter_hour, bypass=lambda request: "from" in request.GET)
def article(request: HttpRequest, slug: str) -> HttpResponse:
    article, login_redirect = _article_or_login(request, slug)
    if login_redirect is not None:
        return login_redirect
    from_incident = request.GET.get("from") == "incident"
    if from_incident and article.status == ArticleStatus.PUBLISHED:
        services.deflection_open(request=request, article=article, token=request.GET.get("s", ""), now=timezone.now())
    return render(
        request,
        "knowledgebase/article.html",
        {
            "article": article,
            "body_html": render_markdown(article.body),
            "related": selectors.articles_related(article=article, user=request.user),
            "translations": selectors.article_translations(article=article, user=request.user),
            "vote": selectors.vote_get(article=article, user=request.user, session_key=request.session.session_key),
            "from_incident": from_incident,
            "is_preview": article.status != ArticleStatus.PUBLISHED,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def vote(request: HttpRequest, slug: str) -> HttpResponse:
    """POST records the answer (htmx sends it with the token from the cookie). GET is where
    the article's form goes without JavaScript (the cached article holds no CSRF token): the
    question again, in a form with the visitor's token."""
    article, login_redirect = _article_or_login(request, slug)
    if login_redirect is not None:
        return login_redirect
    if request.method == "GET":
        if article.status != ArticleStatus.PUBLISHED:
            raise Http404("No such article")
        vote = selectors.vote_get(article=article, user=request.user, session_key=request.session.session_key)
        return render(request, "knowledgebase/vote.html", {"article": article, "vote": vote})
    answer = request.POST.get("helpful")
    if answer not in ("yes", "no") or article.status != ArticleStatus.PUBLISHED:
        return HttpResponseBadRequest(_("Answer yes or no."))
    if not request.session.session_key:
        request.session.save()
    try:
        vote = services.article_vote(
            article=article,
            user=request.user,
            session_key=request.session.session_key,
            is_helpful=answer == "yes",
            now=timezone.now(),
        )
    except services.KnowledgeBaseError as exc:
        if request.htmx:
            return render(request, "knowledgebase/_vote.html", {"article": article, "vote": None, "error": str(exc)})
        messages.error(request, str(exc))
        return redirect(article.get_absolute_url())
    if request.htmx:
        return render(request, "knowledgebase/_vote.html", {"article": article, "vote": vote, "just_voted": True})
    messages.success(request, _("Thank you for your feedback."))
    return redirect(article.get_absolute_url() + "#helpful")


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """The htmx fragment under the incident form: the five best-matching articles."""
    title = request.GET.get("title", "")
    description = request.GET.get("description", "")
    articles = selectors.article_suggestions(
        user=request.user, title=title, description=description, language=_language(request)
    )
    token = services.deflection_token(request) if articles else ""
    return render(
        request,
        "knowledgebase/_suggestions.html",
        {"articles": articles, "token": token, "has_input": bool((title + description).strip())},
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_from_incident(request: HttpRequest, number: str) -> HttpResponse:
    """Engineers: draft an article from an incident's title and last public reply."""
    if not request.user.is_staff:
        raise Http404("No such page")
    if not request.user.has_perm("knowledgebase.add_article"):
        raise PermissionDenied
    incident = incident_numbered(Incident.objects.all(), number)
    if incident is None:
        raise Http404("No such incident")
    if request.method == "POST":
        article = services.article_create_from_incident(incident=incident, by=request.user, now=timezone.now())
        messages.success(
            request, _("Draft article “%(title)s” created from %(number)s.") % {"title": article, "number": number}
        )
        return redirect("admin:knowledgebase_article_change", article.pk)
    reply = (
        Comment.objects.filter(incident=incident, visibility=Visibility.PUBLIC, is_staff_author=True)
        .order_by("-created_at", "-pk")
        .first()
    )
    existing = incident.kb_articles.order_by("-created_at")
    return render(
        request, "knowledgebase/from_incident.html", {"incident": incident, "reply": reply, "existing": existing}
    )
