from django.urls import path

from . import views

app_name = "translations"

urlpatterns = [
    path("<str:kind>/<int:pk>/", views.translate, name="translate"),
]
