from django.urls import path

from mosty.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_create, name="create"),
    path("settings/", views.type_settings, name="settings"),
    path("<uuid:case_id>/", views.case_detail, name="detail"),
    path("<uuid:case_id>/triage/", views.case_triage, name="triage"),
    path("<uuid:case_id>/state/", views.case_transition, name="transition"),
    path("<uuid:case_id>/assignee/", views.case_assign, name="assign"),
    path("<uuid:case_id>/tasks/", views.task_add, name="task_add"),
    path("<uuid:case_id>/tasks/<uuid:task_id>/done/", views.task_done, name="task_done"),
    path("<uuid:case_id>/notes/", views.note_add, name="note_add"),
    path("<uuid:case_id>/messages/", views.message_send, name="message_send"),
    path("<uuid:case_id>/attachments/", views.attachment_add, name="attachment_add"),
    path("<uuid:case_id>/attachments/<int:attachment_id>/", views.attachment_download, name="attachment_download"),
]
