from django.urls import path

from . import views

app_name = "ratings"

# Included under proposals/<slug:slug>/.
urlpatterns = [
    path("ratings/", views.rating_set, name="set"),
    path("ratings/withdraw/", views.rating_withdraw, name="withdraw"),
]
