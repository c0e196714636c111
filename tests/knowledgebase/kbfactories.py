"""Factories for knowledge-base rows (the personas live in tests/conftest.py)."""

from __future__ import annotations

import datetime as dt

import factory

from knowledgebase.models import Article, ArticleKind, ArticleStatus, ArticleVisibility, Category

PUBLISHED_AT = dt.datetime(2026, 10, 1, 9, 0, tzinfo=dt.UTC)


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")
    order = factory.Sequence(lambda n: n)


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Article number {n}")
    slug = factory.Sequence(lambda n: f"article-{n}")
    summary = "A short summary."
    body = "Some body text."
    category = factory.SubFactory(CategoryFactory)
    kind = ArticleKind.HOW_TO
    language = "en"
    status = ArticleStatus.PUBLISHED
    visibility = ArticleVisibility.PUBLIC
    published_at = factory.Sequence(lambda n: PUBLISHED_AT + dt.timedelta(hours=n))

    @factory.post_generation
    def products(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.products.add(*extracted)

    @factory.post_generation
    def versions(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.versions.add(*extracted)
