"""Included at /api/ (outside the language prefixes). Everything is under v1/; any other path
below /api/ answers a JSON 404."""

from django.urls import include, path, re_path

from . import views, webhook_endpoints
from .exceptions import not_found

app_name = "api"

v1 = [
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", views.docs, name="docs"),
    path("docs/webhooks/", views.webhooks_docs, name="webhooks-docs"),
    path("docs/changes/", views.changes, name="changes"),
    path("docs/quickstart/<str:lang>/", views.quickstart, name="quickstart"),
    path("me/", views.Me.as_view(), name="me"),
    path("programmes/", views.ProgrammeList.as_view(), name="programme-list"),
    path("programmes/<slug:slug>/", views.ProgrammeDetail.as_view(), name="programme-detail"),
    path("publications/", views.PublicationList.as_view(), name="publication-list"),
    path("publications/<slug:key>/", views.PublicationDetail.as_view(), name="publication-detail"),
    path("proposals/", views.ProposalList.as_view(), name="proposal-list"),
    path("proposals/<slug:slug>/", views.ProposalDetail.as_view(), name="proposal-detail"),
    path("proposals/<slug:slug>/versions/", views.VersionList.as_view(), name="version-list"),
    path(
        "proposals/<slug:slug>/versions/<int:number>/", views.VersionDetail.as_view(), name="version-detail"
    ),
    path("proposals/<slug:slug>/comments/", views.CommentList.as_view(), name="comment-list"),
    path("proposals/<slug:slug>/amendments/", views.AmendmentList.as_view(), name="amendment-list"),
    path(
        "proposals/<slug:slug>/amendments/<int:pk>/", views.AmendmentDetail.as_view(), name="amendment-detail"
    ),
    path("proposals/<slug:slug>/ratings/", views.Ratings.as_view(), name="ratings"),
    path("proposals/<slug:slug>/milestones/", views.MilestoneList.as_view(), name="milestone-list"),
    path("proposals/<slug:slug>/export.json", views.ExportJSON.as_view(), name="export-json"),
    path("proposals/<slug:slug>/export.csv", views.ExportCSV.as_view(), name="export-csv"),
    path("webhooks/", webhook_endpoints.WebhookEndpointList.as_view(), name="webhook-list"),
    path("webhooks/<int:pk>/", webhook_endpoints.WebhookEndpointDetail.as_view(), name="webhook-detail"),
    path(
        "webhooks/<int:pk>/rotate-secret/",
        webhook_endpoints.WebhookSecretRotate.as_view(),
        name="webhook-rotate-secret",
    ),
    path("webhooks/<int:pk>/ping/", webhook_endpoints.WebhookPing.as_view(), name="webhook-ping"),
    path("reports/", views.ReportList.as_view(), name="report-list"),
    path("reports/<int:pk>/", views.ReportDetail.as_view(), name="report-detail"),
]

urlpatterns = [
    path("v1/", include(v1)),
    # (?s): a path with an encoded line break (%0A) is still under /api/ and gets the JSON 404.
    re_path(r"^[\s\S]*$", not_found, name="not-found"),
]
