from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "VENDOR_NAME": settings.VENDOR_NAME,
        "PRODUCT_NAME": settings.PRODUCT_NAME,
        "SITE_URL": settings.SITE_URL,
        "CSRF_COOKIE_NAME": settings.CSRF_COOKIE_NAME,  # static/js/portal.js reads the token from it
    }
