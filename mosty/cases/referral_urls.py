"""Referral, consent and vouching URLs: built in mosty.cases.referral_views."""

from django.urls import path

from mosty.cases import referral_views as views

app_name = "referrals"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<uuid:referral_id>/", views.detail, name="detail"),
    path("<uuid:referral_id>/accept/", views.accept, name="accept"),
    path("<uuid:referral_id>/decline/", views.decline, name="decline"),
    path("<uuid:referral_id>/revoke/", views.revoke, name="revoke"),
    path("case/<uuid:case_id>/new/", views.create, name="create"),
    path("case/<uuid:case_id>/consents/", views.consents, name="consents"),
    path("case/<uuid:case_id>/consents/<uuid:consent_id>/revoke/", views.consent_revoke, name="consent_revoke"),
    path("case/<uuid:case_id>/vouches/", views.person_vouches, name="person_vouches"),
    path("vouches/", views.vouches, name="vouches"),
    path("vouches/<uuid:vouch_id>/revoke/", views.vouch_revoke, name="vouch_revoke"),
]
