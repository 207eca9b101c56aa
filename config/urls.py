from django.contrib import admin
from django.urls import include, path

from mosty.accounts.webauthn import CompletePasskeyVerificationView
from mosty.api.api import api

urlpatterns = [
    path("", include("mosty.core.urls")),
    path("accounts/", include("mosty.accounts.urls")),
    path("tokens/", include("mosty.api.urls")),
    path("registry/", include("mosty.registry.urls")),
    path("cases/", include("mosty.cases.urls")),
    path("cases/referrals/", include("mosty.cases.referral_urls")),
    path("cases/exports/", include("mosty.cases.export_urls")),
    path("intake/", include("mosty.cases.intake_urls")),
    path("detainees/", include("mosty.detainees.urls")),
    # Our completion view first: same URL as the library's, with lockout, a new session key and the audit.
    path("webauthn/authentication/complete/", CompletePasskeyVerificationView.as_view(), name="passkey_complete"),
    path("webauthn/", include("django_otp_webauthn.urls", namespace="otp_webauthn")),
    path("api/v1/", api.urls),
    path("platform-admin/", admin.site.urls),
]

handler400 = "mosty.core.views.bad_request"
handler403 = "mosty.core.views.permission_denied"
handler404 = "mosty.core.views.page_not_found"
handler500 = "mosty.core.views.server_error"
