"""The composed pages keep the URL names of the features they show (``proposals:detail``,
``accounts:profile``): each namespace is the feature's own URL list plus the pages added here.
``deliberation/urls.py`` includes these instead of the features' own."""

from django.urls import path

from accounts import urls as account_urls
from proposals import urls as proposal_urls

from . import views

proposals = (
    [
        # The list adds the comments a search finds (comments and translations sit above proposals).
        path("", views.proposal_list, name="list"),
        *(pattern for pattern in proposal_urls.urlpatterns if pattern.name != "list"),
        path("<slug:slug>/", views.proposal_detail, name="detail"),
    ],
    proposal_urls.app_name,
)

accounts = (
    [
        path("profile/", views.profile, name="profile"),
        *account_urls.urlpatterns,
    ],
    account_urls.app_name,
)
