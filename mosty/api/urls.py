from django.urls import path

from mosty.api import views

app_name = "api_tokens"

urlpatterns = [
    path("", views.token_list, name="list"),
]
