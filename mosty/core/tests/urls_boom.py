"""URLconf for the error-page tests: the real site plus a view that raises."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500
from config.urls import urlpatterns as site_urlpatterns

CANARY = "Олександр-Шевченко-1987"


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(f"secret detail {CANARY}")


urlpatterns = [path("boom/", boom), *site_urlpatterns]
__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
