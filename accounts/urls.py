from django.urls import path

from . import views

app_name = "accounts"

# The profile page composes accounts and notifications: pages.urls adds it to this namespace.
urlpatterns = [
    path("consent/", views.consent_view, name="consent"),
    path("profile/nationality/", views.nationality_change_view, name="nationality_change"),
    path("programmes/<slug:slug>/", views.programme_detail, name="programme"),
    path("programmes/<slug:slug>/join/", views.programme_join_view, name="programme_join"),
]
