"""Bulk export (with a second person's approval) and retention URLs: built in mosty.cases.export_views."""

from django.urls import path

from mosty.cases import export_views

app_name = "case_exports"

urlpatterns = [
    path("", export_views.export_list, name="list"),
    path("<uuid:export_id>/decide/", export_views.export_decide, name="decide"),
    path("<uuid:export_id>/download/", export_views.export_download, name="download"),
    path("retention/", export_views.retention_list, name="retention"),
]
