from django.urls import path

from . import views

app_name = "carbon"
urlpatterns = [
    path("", views.index, name="index"),
    path("inventory/<int:pk>/", views.inventory_detail, name="inventory"),
    path("inventory/<int:pk>/lines/", views.inventory_lines, name="lines"),
    path("inventory/<int:pk>/recompute/", views.inventory_recompute, name="recompute"),
    path("inventory/<int:pk>/finalise/", views.inventory_finalise, name="finalise"),
    path("inventory/<int:pk>/options/", views.inventory_options, name="options"),
    path("inventory/<int:pk>/inventory.xlsx", views.inventory_xlsx, name="xlsx"),
    path("inventory/<int:pk>/report.pdf", views.inventory_pdf, name="pdf"),
    path("factor/<int:pk>/", views.factor_detail, name="factor"),
    path("factors/", views.library, name="library"),
    path("estate/<int:pk>/", views.estate_view, name="estate"),
    path("estate/<int:pk>/energy-sales/", views.energy_sales, name="energy_sales"),
    path("organisation/<int:pk>/energy-sales/", views.member_energy_sales, name="member_energy_sales"),
    path("authority/", views.authority_view, name="authority"),
    path("map.json", views.map_data, name="map_data"),
]
