from django.contrib.auth import views as auth_views
from django.urls import include, path

from ecotown.api import api
from ecotown.enquiries import views as enquiry_views
from ecotown.registry import views as registry_views

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("healthz/worker", views.healthz_worker, name="healthz_worker"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    # accounts
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password-reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("accounts/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("accounts/register/", views.register, name="register"),
    path("accounts/invitation/<str:token>/", views.accept_invitation, name="accept_invitation"),
    path("accounts/preferences/", views.preferences, name="preferences"),
    path("accounts/switch/<int:pk>/", views.switch_membership, name="switch_membership"),
    path("registrations/", views.registrations, name="registrations"),
    path("registrations/<int:pk>/decide/", views.decide_registration, name="decide_registration"),
    path("notifications/", views.notifications, name="notifications"),
    path("downloads/", views.downloads, name="downloads"),
    path("pick/<str:source>/", views.pick, name="pick"),
    path("downloads/<uuid:pk>/", views.download_page, name="download"),
    path("downloads/<uuid:pk>/file", views.download_file, name="download_file"),
    path("search/", views.search, name="search"),
    path("search/suggest/", views.search_suggest, name="search_suggest"),
    path("tasks/", views.my_tasks, name="tasks"),
    path("people/", views.people_admin, name="people_admin"),
    path("users/", views.users_admin, name="users_admin"),
    path("users/<int:pk>/", views.user_admin, name="user_admin"),
    # registry
    path("estates/", registry_views.estate_list, name="estate_list"),
    path("factories/", registry_views.factory_list, name="factory_list"),
    path("map/", registry_views.estate_map, name="estate_map"),
    path("map/estates.geojson", registry_views.map_data, name="map_data"),
    path("orgs/new/<str:kind>/", registry_views.org_create, name="org_create"),
    path("orgs/<int:parent>/new/<str:kind>/", registry_views.org_create, name="org_create_child"),
    path("orgs/<int:pk>/", registry_views.org_detail, name="org_detail"),
    path("orgs/<int:pk>/edit/", registry_views.org_edit, name="org_edit"),
    path("orgs/<int:pk>/members/", views.members, name="members"),
    path("orgs/<int:pk>/files/", views.file_upload, name="file_upload"),
    path("orgs/<int:pk>/add/<str:item>/", views.org_add_item, name="org_add_item"),
    path("files/<int:pk>/", views.file_download, name="file_download"),
    # enquiries
    path("enquiry/", enquiry_views.enquiry_new, name="enquiry_new"),
    path("enquiry/status/", enquiry_views.enquiry_status, name="enquiry_status"),
    path("enquiries/", enquiry_views.enquiry_list, name="enquiry_list"),
    path("enquiries/<int:pk>/", enquiry_views.enquiry_detail, name="enquiry_detail"),
    path("enquiries/<int:pk>/<str:action>/", enquiry_views.enquiry_action, name="enquiry_action"),
    # public
    path("public/estates/", registry_views.public_estates, name="public_estates"),
    path("public/estates/<int:pk>/", registry_views.public_estate, name="public_estate"),
    # capabilities
    path("reporting/", include("ecotown.reporting.urls")),
    path("carbon/", include("ecotown.carbon.urls")),
    path("assessment/", include("ecotown.assessment.urls")),
    # API
    path("api/", api.urls),
]

handler403 = "ecotown.web.views.forbidden"
handler404 = "ecotown.web.views.not_found"
