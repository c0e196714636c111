from django.urls import path

from knowledgebase.api import views

app_name = "kb"

urlpatterns = [
    path("kb/articles/", views.ArticleListApi.as_view(), name="articles"),
    path("kb/articles/<slug:slug>/", views.ArticleDetailApi.as_view(), name="article"),
]
