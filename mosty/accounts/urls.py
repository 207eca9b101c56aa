from django.urls import path

from mosty.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login, name="login"),
    path("verify/", views.verify, name="verify"),
    path("enrol/", views.enrol, name="enrol"),
    path("logout/", views.logout, name="logout"),
    path("recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("security/", views.security, name="security"),
    path("organisation/", views.switch_organisation, name="switch_organisation"),
    path("members/", views.members, name="members"),
    path("audit/", views.audit_log, name="audit_log"),
]
