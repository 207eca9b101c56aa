from django.urls import path

from mosty.registry import views

app_name = "registry"

urlpatterns = [
    path("", views.coverage_map, name="map"),
    path("coverage/", views.coverage, name="coverage"),
    path("needs/", views.needs, name="needs"),
    path("needs/<uuid:need_id>/delete/", views.need_delete, name="need_delete"),
    path("activities/", views.activity_list, name="activities"),
    path("activities/new/", views.activity_edit, name="activity_create"),
    path("activities/export/", views.activity_export, name="activity_export"),
    path("activities/import/", views.activity_import, name="activity_import"),
    path("activities/<uuid:activity_id>/", views.activity_detail, name="activity_detail"),
    path("activities/<uuid:activity_id>/edit/", views.activity_edit, name="activity_edit"),
    path("activities/<uuid:activity_id>/delete/", views.activity_delete, name="activity_delete"),
    path("organisations/", views.organisation_list, name="organisations"),
    path("organisations/<int:organisation_id>/", views.organisation_detail, name="organisation_detail"),
    path("profile/", views.profile_edit, name="profile_edit"),
    path("initiatives/", views.initiative_list, name="initiatives"),
    path("initiatives/new/", views.initiative_edit, name="initiative_create"),
    path("initiatives/<uuid:initiative_id>/", views.initiative_detail, name="initiative_detail"),
    path("initiatives/<uuid:initiative_id>/edit/", views.initiative_edit, name="initiative_edit"),
    path("initiatives/<uuid:initiative_id>/links/", views.initiative_link_add, name="initiative_link_add"),
    path(
        "initiatives/<uuid:initiative_id>/links/<int:link_id>/delete/",
        views.initiative_link_remove,
        name="initiative_link_remove",
    ),
]
