"""Routed only when ``DJANGO_ENV=bench`` (see deliberation/urls.py)."""

from django.urls import path

from . import views

app_name = "bench"

urlpatterns = [
    path("hello", views.hello, name="hello"),
]
