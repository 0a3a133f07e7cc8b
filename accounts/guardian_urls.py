"""The guardian's pages (no login: the signed link is the key)."""

from django.urls import path

from . import guardian_views

app_name = "guardian"

urlpatterns = [
    path("erased/", guardian_views.erased_page, name="erased"),
    path("<str:token>/", guardian_views.consent_page, name="consent"),
    path("<str:token>/erase/", guardian_views.erase_page, name="erase"),
]
