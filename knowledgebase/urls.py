from django.urls import path

from core.public_cache import public_page
from knowledgebase import feeds, views

app_name = "kb"

urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search, name="search"),
    path("faq/", views.faq, name="faq"),
    path("suggest/", views.suggest, name="suggest"),
    path("feed/", public_page()(feeds.LatestArticlesFeed()), name="feed"),
    path("feed/atom/", public_page()(feeds.LatestArticlesAtomFeed()), name="feed-atom"),
    path("category/<slug:slug>/", views.category, name="category"),
    path("articles/<slug:slug>/", views.article, name="article"),
    path("articles/<slug:slug>/vote/", views.vote, name="vote"),
    path("staff/from-incident/<str:number>/", views.staff_from_incident, name="from-incident"),
]
