"""A URLconf for tests only: the real API plus a route that fails on purpose, to check the 500 answer."""

from django.http import HttpRequest
from django.urls import path
from ninja import Router

from mosty.api.api import create_api
from mosty.api.auth import identity

EXCEPTION_CANARY = "canary-exception-text-0d41"

router = Router()


@router.get("/boom")
def boom(request: HttpRequest) -> dict[str, str]:
    who = identity(request)
    raise RuntimeError(f"{EXCEPTION_CANARY} {who.user.username} {who.organisation.name}")


failing_api = create_api(urls_namespace="api", routers=[("/test", router)])

urlpatterns = [path("api/v1/", failing_api.urls)]
