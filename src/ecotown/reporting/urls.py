from django.urls import path

from . import views

app_name = "reporting"
urlpatterns = [
    path("", views.index, name="index"),
    path("org/<int:pk>/", views.org_page, name="org"),
    path("org/<int:pk>/new/", views.record_new, name="record_new"),
    path("org/<int:pk>/template.xlsx", views.template_download, name="template"),
    path("org/<int:pk>/export.xlsx", views.export, name="export"),
    path("org/<int:pk>/upload/", views.upload, name="upload"),
    path("org/<int:pk>/input/<str:kind>/", views.intensity_input, name="intensity_input"),
    path("org/<int:pk>/<str:action>/", views.org_action, name="org_action"),
    path("units/", views.unit_options, name="unit_options"),
    path("records/<int:pk>/", views.record_detail, name="record"),
    path("records/<int:pk>/edit/", views.record_edit, name="record_edit"),
    path("records/<int:pk>/<str:action>/", views.record_action, name="record_action"),
    path("flags/<int:pk>/ack/", views.flag_ack, name="flag_ack"),
    path("jobs/<uuid:pk>/", views.job_page, name="job"),
    path("jobs/<uuid:pk>/progress/", views.job_progress, name="job_progress"),
    path("imports/<int:pk>/", views.batch_detail, name="batch"),
    path("completeness/", views.completeness, name="completeness"),
    path("completeness/matrix/", views.completeness_matrix, name="matrix"),
    path("completeness/matrix.xlsx", views.completeness_matrix_export, name="matrix_export"),
    path("calendar/", views.calendar_page, name="calendar"),
]
