from django.urls import path

from mosty.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("exit/", views.quick_exit, name="quick_exit"),
    path("language/", views.set_language, name="set_language"),
    path("healthz/", views.healthz, name="healthz"),
]
