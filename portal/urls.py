from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from core.public_cache import public_page
from knowledgebase.sitemaps import SITEMAPS as KB_SITEMAPS
from portal import admin_landing, views

handler403 = "portal.views.error_403"
handler404 = "portal.views.error_404"
handler500 = "portal.views.error_500"

admin.site.site_header = "Support portal administration"
admin.site.site_title = "Support portal admin"
admin.site.index_title = "Support engineering"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("readyz/workers", views.readyz_workers, name="readyz_workers"),
    path("admin/login/", admin_landing.admin_sign_in, name="admin_sign_in"),  # staff land on the queue
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("support/", include("sla.urls")),
    path("incidents/", include("incidents.urls")),
    path("", include("cfmd.urls")),
    path("", include("escalation.urls")),
    path("help/", include("knowledgebase.urls")),
    path("api/", include("portal.api.urls")),
    path("accounts/api-tokens/", include("accounts.api.token_urls")),
    path("sitemap.xml", public_page()(sitemap), {"sitemaps": KB_SITEMAPS}, name="sitemap"),
    # The footer's language choice for visitors and engineers (a GET: no CSRF token on public pages).
    path("i18n/language/", views.language_choose, name="language"),
    path("csrf-cookie", views.csrf_cookie, name="csrf_cookie"),
    # Browsers and crawlers ask for /favicon.ico whatever the page says (the admin says nothing).
    path("favicon.ico", views.favicon, name="favicon"),
]
