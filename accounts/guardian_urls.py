"""The guardian's pages (no login: the signed link is the key)."""

from django.urls import path

from . import guardian_views

app_name = "guardian"

urlpatterns = [
    path("<str:token>/", guardian_views.consent_page, name="consent"),
]
