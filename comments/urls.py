from django.urls import path

from . import views

# Included under proposals/<slug:slug>/: every view receives the proposal's ``slug``.
app_name = "comments"

urlpatterns = [
    path("comments/", views.comment_list, name="list"),
    path("comments/common-ground/", views.common_ground, name="ground"),
    path("comments/vote/", views.vote_queue, name="queue"),
    path("comments/<int:pk>/reply/", views.comment_reply, name="reply"),
    path("comments/<int:pk>/edit/", views.comment_edit, name="edit"),
    path("comments/<int:pk>/delete/", views.comment_delete, name="delete"),
    path("comments/<int:pk>/react/", views.comment_react, name="react"),
]
