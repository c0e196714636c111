"""Full-text search over articles: PostgreSQL full-text search, or a simpler SQLite fallback.

Both backends take the same input (a normalised query, a base queryset of the articles the
viewer may read, the languages to search) and give the same output: a queryset ordered by
relevance with a `rank` annotation, and safe HTML snippets with the matches in `<mark>`.

PostgreSQL: `Article.search_vector` (title A > summary B > body C, in the configuration of
the article's language, kept by a trigger and GIN-indexed) matched against
`websearch_to_tsquery` in the same configuration, ranked by `ts_rank`, with `ts_headline`
snippets for the page being shown only.

SQLite: every word must occur in the title, summary or body (`icontains`); the rank is a
weighted count computed in SQL (title 4, summary 2, body 1 per word); snippets are cut from
the summary and body in Python and escaped before the matches are marked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, F, FloatField, IntegerField, Q, QuerySet, TextField, Value, When
from django.db.models.functions import Concat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from knowledgebase.models import Article, search_config

MAX_QUERY_CHARS = 200
MAX_QUERY_TERMS = 12
SNIPPET_CHARS = 220

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Markdown punctuation that reads as noise in a snippet.
_MARKUP = re.compile(r"\]\([^)\s]*\)|^[ \t]*>+|[#*_`|~\[\]]+", re.MULTILINE)
# Delimiters for ts_headline that cannot occur in article text; replaced by <mark> after escaping.
_START, _STOP = "\x02", "\x03"


@dataclass(frozen=True)
class NormalisedQuery:
    text: str  # what is searched: trimmed, whitespace collapsed, at most MAX_QUERY_CHARS
    terms: tuple[str, ...]  # distinct lowercase words, at most MAX_QUERY_TERMS
    was_truncated: bool

    @property
    def is_searchable(self) -> bool:
        return bool(self.terms)


def query_normalise(raw: str | None, *, max_chars: int = MAX_QUERY_CHARS) -> NormalisedQuery:
    """Cut absurd input down to size before it reaches the database.

    A query without a single word character (empty, only punctuation) has no terms and is
    never sent to the database.
    """
    raw = raw or ""
    text = " ".join(raw.split())
    was_truncated = len(text) > max_chars
    text = text[:max_chars].strip()
    terms: list[str] = []
    for word in _WORD.findall(text.lower()):
        if word not in terms:
            terms.append(word)
        if len(terms) >= MAX_QUERY_TERMS:
            break
    if was_truncated:
        # An absurdly long query: search its first distinct words, not a 200-character chain.
        text = " ".join(terms)
    return NormalisedQuery(text=text, terms=tuple(terms), was_truncated=was_truncated)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


# --- Ranking ----------------------------------------------------------------------------


def _pg_query(query: NormalisedQuery, language: str, *, any_term: bool) -> SearchQuery:
    if any_term:
        # Suggestions: any of the words may match (a description is long and chatty).
        return SearchQuery(" or ".join(query.terms), config=search_config(language), search_type="websearch")
    return SearchQuery(query.text, config=search_config(language), search_type="websearch")


def rank_queryset(
    qs: QuerySet[Article],
    query: NormalisedQuery,
    *,
    languages: Sequence[str],
    any_term: bool = False,
    with_body: bool = True,
) -> QuerySet[Article]:
    """The articles of `qs` matching `query`, annotated with `rank`, best first.

    `any_term`: any word may match instead of all; `with_body=False`: match the title and
    summary only (the small `suggest_vector` on PostgreSQL).
    """
    if is_postgres():
        vector = "search_vector" if with_body else "suggest_vector"
        match = Q()
        whens = []
        for language in languages:
            ts_query = _pg_query(query, language, any_term=any_term)
            match |= Q(language=language, **{vector: ts_query})
            whens.append(When(language=language, then=SearchRank(F(vector), ts_query)))
        return (
            qs.filter(match)
            .annotate(rank=Case(*whens, default=Value(0.0), output_field=FloatField()))
            .order_by("-rank", "-published_at", "pk")
        )
    score = Value(0)
    match = Q()
    fields = (("title", 4), ("summary", 2), ("body", 1)) if with_body else (("title", 4), ("summary", 2))
    for term in query.terms:
        in_article = Q()
        for field, _weight in fields:
            in_article |= Q(**{f"{field}__icontains": term})
        match = (match | in_article) if any_term else (match & in_article)
        for field, weight in fields:
            score = score + Case(
                When(**{f"{field}__icontains": term}, then=Value(weight)), default=Value(0), output_field=IntegerField()
            )
    return qs.filter(match).annotate(rank=score).order_by("-rank", "-published_at", "pk")


# --- Snippets ---------------------------------------------------------------------------


def _plain(text: str) -> str:
    return " ".join(_MARKUP.sub(" ", text).split())


def _mark(text: str, terms: Iterable[str]) -> SafeString:
    """Escape `text` and wrap each occurrence of a term in <mark> (escaping piece by piece)."""
    words = sorted({t for t in terms if t}, key=len, reverse=True)
    if not words:
        return mark_safe(escape(text))  # escaped # nosec B308 B703
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    out: list[str] = []
    position = 0
    for found in pattern.finditer(text):
        out.append(escape(text[position : found.start()]))
        out.append(f"<mark>{escape(found.group(0))}</mark>")
        position = found.end()
    out.append(escape(text[position:]))
    return mark_safe("".join(out))  # every piece escaped # nosec B308 B703


def snippet_from_text(text: str, terms: Sequence[str], *, length: int = SNIPPET_CHARS) -> SafeString:
    """A window of `text` around the first match, escaped, with matches marked."""
    plain = _plain(text)
    lowered = plain.lower()
    hits = [i for i in (lowered.find(t.lower()) for t in terms) if i >= 0]
    start = max(0, min(hits) - length // 4) if hits else 0
    if start:
        space = plain.find(" ", start)
        start = space + 1 if 0 <= space < start + 20 else start
    window = plain[start : start + length]
    if start + length < len(plain):
        cut = window.rfind(" ")
        window = window[:cut] if cut > length // 2 else window
    prefix = "… " if start else ""
    suffix = " …" if start + len(window) < len(plain) else ""
    return mark_safe(escape(prefix) + _mark(window, terms) + escape(suffix))  # escaped in _mark # nosec B308 B703


def _headline_to_html(headline: str) -> SafeString:
    """ts_headline output with our control-character delimiters → escaped HTML with <mark>."""
    text = " ".join(_MARKUP.sub(" ", headline).split())
    out: list[str] = []
    for index, chunk in enumerate(text.split(_START)):
        if index == 0:
            out.append(escape(chunk))
            continue
        marked, _, rest = chunk.partition(_STOP)
        out.append(f"<mark>{escape(marked)}</mark>{escape(rest)}")
    return mark_safe("… " + "".join(out) + " …")  # every piece escaped # nosec B308 B703


def snippets_for(articles: Sequence[Article], query: NormalisedQuery) -> dict[int, SafeString]:
    """Snippet HTML per article id, for the (small) page of results being shown."""
    if not articles:
        return {}
    if not is_postgres():
        return {a.pk: snippet_from_text(f"{a.summary} {a.body}", query.terms) for a in articles}
    snippets: dict[int, SafeString] = {}
    by_language: dict[str, list[int]] = {}
    for article in articles:
        by_language.setdefault(article.language, []).append(article.pk)
    for language, ids in by_language.items():
        rows = (
            Article.objects.filter(pk__in=ids)
            .annotate(
                headline=SearchHeadline(
                    Concat("summary", Value(" "), "body", output_field=TextField()),
                    _pg_query(query, language, any_term=False),
                    config=search_config(language),
                    start_sel=_START,
                    stop_sel=_STOP,
                    max_words=35,
                    min_words=15,
                    max_fragments=2,
                    fragment_delimiter=" … ",
                )
            )
            .values_list("pk", "headline")
        )
        for pk, headline in rows:
            snippets[pk] = _headline_to_html(headline or "")
    for article in articles:
        if article.pk not in snippets:
            snippets[article.pk] = snippet_from_text(article.summary, query.terms)
    return snippets
