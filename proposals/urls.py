from django.urls import path

from . import views

app_name = "proposals"

# The proposal page (proposals:detail) composes ratings, amendments and comments: pages.urls adds
# it to this namespace.

urlpatterns = [
    path("", views.proposal_list, name="list"),
    path("<slug:slug>/side-by-side/", views.side_by_side, name="side_by_side"),
]
