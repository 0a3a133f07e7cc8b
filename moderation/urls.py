from django.urls import path

from . import views

app_name = "moderation"

# Included at the root of the language-prefixed URLs, beside each item's own URLs.
urlpatterns = [
    path("proposals/<slug:slug>/comments/<int:pk>/report/", views.report_comment, name="report_comment"),
    path(
        "proposals/<slug:slug>/amendments/<int:pk>/report/", views.report_amendment, name="report_amendment"
    ),
]
