"""Institutions, their API keys and webhooks in the admin.

A new key is shown once, in the message after saving it; only its hash is stored. Progress reports
are listed here for reference; moderators publish or decline them as milestones (pending ones are
in the milestones list of ``progress``). Webhook deliveries show their attempts and last error and
can be retried.
"""

import contextlib

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.exceptions import NotRegistered
from django.db import models
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_stubs_ext import StrPromise
from modeltranslation.admin import TranslationAdmin
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey

from . import keys, services, webhooks
from .models import (
    DeliveryState,
    Institution,
    InstitutionAPIKey,
    ProgressReport,
    Scope,
    WebhookDelivery,
    WebhookEndpoint,
)

# The library's own concrete key model is unused here: every key belongs to an institution.
with contextlib.suppress(NotRegistered):
    admin.site.unregister(APIKey)


# Receivers are addressed over https unless the URL says otherwise.
URL_FIELD = {models.URLField: {"assume_scheme": "https"}}


class WebhookEndpointInline(admin.TabularInline):
    model = WebhookEndpoint
    formfield_overrides = URL_FIELD
    extra = 0
    fields = ["url", "active", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Institution)
class InstitutionAdmin(TranslationAdmin):
    list_display = ["name", "country", "contact_email", "active", "created_at"]
    list_filter = ["country", "active"]
    search_fields = ["name_en", "name_ko", "name_ja", "contact_email"]
    readonly_fields = ["created_at"]
    inlines = [WebhookEndpointInline]


class APIKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Read: everything public. Report progress: submit progress reports."),
    )

    class Meta:
        model = InstitutionAPIKey
        fields = ["institution", "name", "scopes", "expiry_date", "revoked"]


@admin.register(InstitutionAPIKey)
class InstitutionAPIKeyAdmin(APIKeyModelAdmin):
    form = APIKeyForm
    list_display = [
        "prefix",
        "name",
        "institution",
        "scope_list",
        "created",
        "expiry_date",
        "expired",
        "revoked",
        "last_used_at",
    ]
    list_filter = ["revoked", "institution"]
    list_select_related = ["institution"]
    search_fields = ["name", "prefix", "institution__name_en", "institution__name_ko", "institution__name_ja"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        fields = ("prefix", "last_used_at")
        if obj is not None:
            # A key's owner never changes; a revoked key stays as it is.
            fields += ("institution",)
            if obj.revoked:
                fields += ("name", "scopes", "revoked", "expiry_date")
        return fields

    @admin.display(description=_("expired"), boolean=True)
    def expired(self, api_key: InstitutionAPIKey) -> bool:
        # The library's own column (_has_expired) has an English label no catalogue translates.
        return api_key.has_expired

    @admin.display(description=_("scopes"))
    def scope_list(self, api_key: InstitutionAPIKey) -> str:
        return ", ".join(str(Scope(scope).label) for scope in api_key.scopes if scope in Scope.values)

    def save_model(self, request, obj, form, change):
        if change:
            obj.scopes = keys.clean_scopes(obj.scopes)
            obj.save()
            return
        key = keys.api_key_save_new(api_key=obj, actor=request.user)
        messages.warning(
            request,
            _(
                "The API key for “%(name)s” is: %(key)s — copy it now and give it to the institution: "
                "it will not be shown again."
            )
            % {"name": obj.name, "key": key},
        )

    @admin.action(description=_("Revoke the selected keys (cannot be undone)"))
    def revoke(self, request, queryset):
        count = keys.api_keys_revoke(
            api_keys=list(queryset.select_related("institution")), actor=request.user
        )
        messages.success(request, _("Keys revoked: %(count)d.") % {"count": count})


@admin.register(ProgressReport)
class ProgressReportAdmin(admin.ModelAdmin):
    list_display = ["created_at", "institution", "milestone_link", "status", "language"]
    list_filter = ["milestone__status", "institution"]
    list_select_related = ["institution", "milestone__proposal"]
    search_fields = [
        "milestone__proposal__slug",
        "milestone__title_en",
        "milestone__title_ko",
        "milestone__title_ja",
    ]
    readonly_fields = ["institution", "milestone", "api_key", "language", "created_at"]
    fields = readonly_fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("milestone"))
    def milestone_link(self, report: ProgressReport):
        url = reverse("admin:progress_milestone_change", args=[report.milestone_id])
        return format_html('<a href="{}">{}</a>', url, report.milestone)

    @admin.display(description=_("status"), ordering="milestone__status")
    def status(self, report: ProgressReport) -> str:
        return report.milestone.get_status_display()


class DeliveryStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return DeliveryState.choices

    def queryset(self, request, queryset):
        if self.value() == DeliveryState.DELIVERED:
            return queryset.filter(delivered_at__isnull=False)
        if self.value() == DeliveryState.FAILED:
            return queryset.filter(delivered_at__isnull=True, next_attempt_at__isnull=True)
        if self.value() == DeliveryState.PENDING:
            return queryset.filter(delivered_at__isnull=True, next_attempt_at__isnull=False)
        return queryset


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    formfield_overrides = URL_FIELD
    list_display = ["url", "institution", "active", "created_at"]
    list_filter = ["active", "institution"]
    list_select_related = ["institution"]
    fields = ["institution", "url", "active", "secret", "previous_secret_expires_at", "created_at"]
    readonly_fields = ["previous_secret_expires_at", "created_at"]
    actions = ["rotate_secret", "send_ping"]

    @admin.action(
        description=_("Rotate the signing secret (the old one still works for 24 hours)"),
        permissions=["change"],
    )
    def rotate_secret(self, request, queryset):
        for endpoint in queryset.select_related("institution"):
            secret = services.webhook_secret_rotate(endpoint=endpoint, actor=request.user)
            messages.warning(
                request,
                _(
                    "New signing secret for %(url)s: %(secret)s — give it to the institution. The previous "
                    "secret also signs deliveries until %(until)s."
                )
                % {
                    "url": endpoint.url,
                    "secret": secret,
                    "until": formats.date_format(
                        timezone.localtime(endpoint.previous_secret_expires_at), "DATETIME_FORMAT"
                    ),
                },
            )

    @admin.action(description=_("Send a test event (ping)"), permissions=["change"])
    def send_ping(self, request, queryset):
        count = 0
        for endpoint in queryset.select_related("institution"):
            services.webhook_ping(endpoint=endpoint, actor=request.user)
            count += 1
        messages.success(
            request,
            ngettext("%(count)d ping queued.", "%(count)d pings queued.", count) % {"count": count},
        )

    def get_fields(self, request, obj=None):
        # Those who may only look (moderators) never see a secret.
        fields = super().get_fields(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            return [name for name in fields if name != "secret"]
        return fields


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "event",
        "endpoint",
        "state_label",
        "attempts",
        "last_status",
        "short_error",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = [DeliveryStateFilter, "event", "endpoint__institution"]
    list_select_related = ["endpoint"]
    readonly_fields = [
        "endpoint",
        "event",
        "payload",
        "created_at",
        "attempts",
        "last_attempt_at",
        "last_status",
        "last_error",
        "next_attempt_at",
        "delivered_at",
    ]
    fields = readonly_fields
    actions = ["retry"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("state"))
    def state_label(self, delivery: WebhookDelivery) -> str | StrPromise:
        return DeliveryState(delivery.state).label

    @admin.display(description=_("last error"))
    def short_error(self, delivery: WebhookDelivery) -> str:
        return Truncator(delivery.last_error).chars(80)

    @admin.action(description=_("Retry the selected deliveries now"), permissions=["change"])
    def retry(self, request, queryset):
        count = webhooks.retry_now(queryset)
        messages.success(
            request,
            _("Deliveries due again: %(count)d. They are sent by the next run of deliver_webhooks.")
            % {"count": count},
        )


# --- Who submitted a milestone, on the milestones list (progress sits below this app) --------------


@admin.display(description=_("submitted by"))
def submitted_by(milestone) -> str:
    report = getattr(milestone, "institution_report", None)
    return str(report.institution) if report is not None else "—"


@admin.display(description=_("submitted at"), ordering="institution_report__created_at")
def submitted_at(milestone):
    report = getattr(milestone, "institution_report", None)
    return report.created_at if report is not None else None


def attach_report_columns(site: admin.AdminSite) -> None:
    """Give the milestones list the partner institution that submitted each one over the API and
    when (empty for those entered in the admin), read in the list's one query."""
    from progress.models import Milestone

    milestones = site.get_model_admin(Milestone)
    columns = list(milestones.list_display)
    if submitted_by not in columns:
        position = columns.index("evidence") + 1 if "evidence" in columns else len(columns)
        columns[position:position] = [submitted_by, submitted_at]
    milestones.list_display = columns
    milestones.list_select_related = [
        *milestones.list_select_related,
        "institution_report__institution",
    ]
