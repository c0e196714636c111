"""Knowledge base endpoints: the articles the caller may read, with search."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.errors import ApiError
from core.api.pagination import ApiPagination
from core.api.serializers import PAGE_PARAMETERS, PUBLIC_ERRORS, error, paginated
from knowledgebase import selectors
from knowledgebase.api import serializers as s


class ArticleListApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="kb_articles_list",
        summary=_("List or search knowledge base articles"),
        description=_(
            "Published articles you may read: visitors the public ones, signed-in customers also the "
            "customers-only ones, support staff also internal ones. With search: best matches first, "
            "with a snippet; without: newest first."
        ),
        parameters=[s.ArticleListQuerySerializer, *PAGE_PARAMETERS],
        responses={
            200: paginated(s.ArticleListItemSerializer),
            400: error("A parameter is not valid."),
            **PUBLIC_ERRORS,
            404: error("No such page."),
        },
    )
    def get(self, request: Request) -> Response:
        query = s.ArticleListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        paginator = ApiPagination()
        search = params.get("search", "").strip()
        filters = selectors.SearchFilters(category=params.get("category"), kind=params.get("kind", ""))
        if search:
            # The search selector pages itself: check the page parameters the same way, then ask it.
            page_number, page_size = _page_parameters(paginator, request)
            results = selectors.article_search(
                user=request.user,
                query=search,
                language=params["language"],
                filters=filters,
                page=page_number,
                per_page=page_size,
            )
            if results.page is not None and page_number > max(1, results.page.paginator.num_pages):
                raise ApiError(_("There is no such page."), code="not_found", status_code=404)
            articles = [hit.article for hit in results.hits]
            snippets = {hit.article.pk: hit.snippet for hit in results.hits}
            data = s.ArticleListItemSerializer(
                articles, many=True, context={"request": request, "snippets": snippets}
            ).data
            return Response(_page_body(request, paginator, results.total, page_number, page_size, data))
        articles = selectors.articles_in_language(selectors.articles_visible_to(request.user), params["language"])
        if filters.category is not None:
            articles = articles.filter(category=filters.category)
        if filters.kind:
            articles = articles.filter(kind=filters.kind)
        articles = articles.defer(*selectors.LIST_DEFER).select_related("category").order_by("-published_at", "-pk")
        page = paginator.paginate_queryset(articles, request, self)
        return paginator.get_paginated_response(
            s.ArticleListItemSerializer(page, many=True, context={"request": request}).data
        )


def _page_parameters(paginator: ApiPagination, request: Request) -> tuple[int, int]:
    paginator.validate_page_parameters(request)
    page_number = int(request.query_params.get(paginator.page_query_param) or 1)
    return page_number, paginator.get_page_size(request) or paginator.page_size


def _page_body(request: Request, paginator: ApiPagination, count: int, number: int, size: int, results) -> dict:
    from rest_framework.utils.urls import remove_query_param, replace_query_param

    url = request.build_absolute_uri()
    last = max(1, -(-count // size))
    next_url = replace_query_param(url, paginator.page_query_param, number + 1) if number < last else None
    if number <= 1:
        previous_url = None
    elif number == 2:
        previous_url = remove_query_param(url, paginator.page_query_param)
    else:
        previous_url = replace_query_param(url, paginator.page_query_param, number - 1)
    return {"count": count, "next": next_url, "previous": previous_url, "results": results}


class ArticleDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="kb_articles_retrieve",
        summary=_("Get an article"),
        parameters=[OpenApiParameter("slug", OpenApiTypes.STR, OpenApiParameter.PATH, pattern=r"^[-a-zA-Z0-9_]+$")],
        responses={
            200: s.ArticleDetailSerializer,
            **PUBLIC_ERRORS,
            401: error("A customers-only article: sign in or send a token."),
            404: error("No such article, or not one you may read."),
        },
    )
    def get(self, request: Request, slug: str) -> Response:
        try:
            article = selectors.article_get_for_user(user=request.user, slug=slug)
        except selectors.SignInRequired:
            raise exceptions.NotAuthenticated(_("This article is for customers: send your API token.")) from None
        except Http404:
            raise ApiError(
                _("There is no article %(slug)s that you may read.") % {"slug": slug}, code="not_found", status_code=404
            ) from None
        return Response(s.ArticleDetailSerializer(article, context={"request": request}).data)
