from django.urls import path

from . import datarights_views, views

app_name = "accounts"

# The profile page composes accounts and notifications: pages.urls adds it to this namespace.
urlpatterns = [
    path("consent/", views.consent_view, name="consent"),
    path("data/", datarights_views.data_page, name="data"),
    path("data/export/", datarights_views.data_export_view, name="data_export"),
    path("data/<str:token>/", datarights_views.data_download, name="data_download"),
    path("delete/", datarights_views.delete_account, name="delete"),
    path("profile/nationality/", views.nationality_change_view, name="nationality_change"),
    path("programmes/<slug:slug>/", views.programme_detail, name="programme"),
    path("programmes/<slug:slug>/join/", views.programme_join_view, name="programme_join"),
]
