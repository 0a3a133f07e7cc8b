from django.urls import path

from . import views

app_name = "progress"

# Included at the root of the language-prefixed URLs.
urlpatterns = [
    path("progress/", views.dashboard, name="dashboard"),
    path("proposals/<slug:slug>/progress/", views.proposal_progress, name="proposal"),
]
