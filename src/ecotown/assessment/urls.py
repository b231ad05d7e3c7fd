from django.urls import path

from . import views

app_name = "assessment"
urlpatterns = [
    path("", views.index, name="index"),
    path("start/", views.start, name="start"),
    path("overview/", views.overview, name="overview"),
    path("overview/data.json", views.overview_data, name="overview_data"),
    path("frameworks/", views.frameworks, name="frameworks"),
    path("frameworks/<int:pk>/", views.framework_version, name="framework_version"),
    path("frameworks/<int:pk>/export.yaml", views.framework_export, name="framework_export"),
    path("frameworks/<int:pk>/publish/", views.framework_publish, name="framework_publish"),
    path("frameworks/<int:pk>/edit/", views.framework_edit, name="framework_edit"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/kpis/", views.refresh_kpis, name="refresh_kpis"),
    path("<int:pk>/evidence/", views.evidence, name="evidence"),
    path("<int:pk>/compute/", views.compute, name="compute"),
    path("<int:pk>/result/", views.result, name="result"),
    path("<int:pk>/result.pdf", views.result_pdf, name="result_pdf"),
    path("<int:pk>/result.xlsx", views.result_xlsx, name="result_xlsx"),
    path("<int:pk>/values.yaml", views.values_export, name="values_export"),
    path("<int:pk>/reassess/", views.reassess, name="reassess"),
]
