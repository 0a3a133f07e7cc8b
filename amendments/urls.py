from django.urls import path

from . import views

app_name = "amendments"

# Included below proposals/<slug:slug>/: every view gets the proposal's ``slug``.
urlpatterns = [
    path("amendments/", views.amendment_list, name="list"),
    path("amendments/new/", views.amendment_new, name="new"),
    path("amendments/<int:pk>/", views.amendment_detail, name="detail"),
    path("amendments/<int:pk>/vote/", views.amendment_vote, name="vote"),
    path("amendments/<int:pk>/withdraw/", views.amendment_withdraw, name="withdraw"),
    path("amendments/<int:pk>/decide/", views.amendment_decide, name="decide"),
    path("versions/", views.versions, name="versions"),
]
