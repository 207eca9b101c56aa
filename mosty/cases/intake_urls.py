"""Public intake URLs (no login): built in mosty.cases.intake_views. Each name is on the allow-list in
`mosty.core.middleware.PUBLIC_URL_NAMES` (and in the crawl test's `PUBLIC`). None carries a parameter: the
organisation, the support type and the codename travel in POST bodies only."""

from django.urls import path

from mosty.cases import intake_views

app_name = "intake"

urlpatterns = [
    path("", intake_views.start, name="start"),
    path("request/", intake_views.request_form, name="request"),
    path("status/", intake_views.status, name="status"),
    path("status/reply/", intake_views.reply, name="reply"),
    path("status/leave/", intake_views.leave, name="leave"),
]
