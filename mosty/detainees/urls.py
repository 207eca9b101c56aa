from django.urls import path

from mosty.detainees import views

app_name = "detainees"

urlpatterns = [
    path("", views.index, name="index"),
    path("sources/new/", views.source_create, name="source_create"),
    path("sources/<uuid:source_id>/", views.source_detail, name="source_detail"),
    path("sources/<uuid:source_id>/import/", views.source_import, name="source_import"),
    path("sources/<uuid:source_id>/mapping/", views.source_mapping, name="source_mapping"),
    path("sources/<uuid:source_id>/search/", views.source_search, name="source_search"),
    path("sources/<uuid:source_id>/shares/", views.source_share, name="source_share"),
    path(
        "sources/<uuid:source_id>/shares/<int:organisation_id>/remove/",
        views.source_unshare,
        name="source_unshare",
    ),
    path("records/<uuid:record_id>/", views.record_detail, name="record_detail"),
    path("runs/", views.run_list, name="runs"),
    path("runs/<uuid:run_id>/", views.run_detail, name="run_detail"),
    path("counts/", views.counts, name="counts"),
    path("persons/", views.person_list, name="persons"),
    path("persons/<uuid:person_id>/", views.person_detail, name="person_detail"),
    path("review/", views.review_list, name="review"),
    path("review/<uuid:pair_id>/", views.review_pair, name="review_pair"),
]
