"""Moderators record institutionalisation progress here: milestones inline on each proposal (see
``proposals.admin``) and in a list of their own, with CSV export and import.

Every write goes through ``progress.services``, which validates, keeps the stages per jurisdiction
in step with the published milestones, records the audit trail and notifies participants.
"""

import base64

from django import forms
from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TranslationAdmin, TranslationStackedInline

from accounts.permissions import is_moderator
from core.errors import DeliberationError
from proposals.models import Proposal, Stage

from . import csv_io, selectors, services
from .models import Jurisdiction, Milestone, MilestoneStatus

MILESTONE_FIELDSETS = [
    (None, {"fields": [("date", "jurisdiction", "stage", "status"), "institution", "title", "description"]}),
    (_("Evidence"), {"fields": ["evidence_url", "evidence_reference", "evidence_quote"]}),
    (_("Review"), {"fields": ["next_review_on"]}),
]


class ModeratorPermissions:
    """Moderators manage progress without model permissions granted one by one; other staff need
    Django's permissions as usual."""

    def has_module_permission(self, request) -> bool:
        return is_moderator(request.user) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_moderator(request.user) or super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args) -> bool:
        return is_moderator(request.user) or super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None) -> bool:
        return is_moderator(request.user) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return is_moderator(request.user) or super().has_delete_permission(request, obj)


class MilestoneForm(forms.ModelForm):
    """The admin form for a milestone; the services' rules (evidence for a published milestone,
    review date after the milestone's date, ...) show as errors on their fields."""

    evidence_url = forms.URLField(
        label=Milestone._meta.get_field("evidence_url").verbose_name,
        max_length=Milestone._meta.get_field("evidence_url").max_length,
        required=False,
        assume_scheme="https",
    )

    class Meta:
        model = Milestone
        fields = ["proposal", *services.IMPORTED_FIELDS]
        # modeltranslation copies the original field's widget to each language's field.
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "evidence_quote": forms.Textarea(attrs={"rows": 2}),
        }

    def _post_clean(self):
        super()._post_clean()
        for problem in services.milestone_problems(self.instance):
            field_name = problem.field if problem.field in self.fields else None
            if field_name is None or field_name not in self.errors:
                self.add_error(field_name, problem.message)


class ReviewOverdueFilter(admin.SimpleListFilter):
    """Milestones (or proposals) whose current milestone is past its next review date."""

    title = _("review overdue")
    parameter_name = "review_overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Review overdue")), ("no", _("Not overdue"))]

    def queryset(self, request, queryset):
        # Milestones are annotated with ``is_current``, proposals with ``review_overdue``.
        condition = (
            selectors.overdue_milestones_q() if queryset.model is Milestone else Q(review_overdue=True)
        )
        if self.value() == "yes":
            return queryset.filter(condition)
        if self.value() == "no":
            return queryset.exclude(condition)
        return queryset


class MilestoneInline(ModeratorPermissions, TranslationStackedInline):
    model = Milestone
    form = MilestoneForm
    fieldsets = MILESTONE_FIELDSETS
    extra = 0
    ordering = ["date", "pk"]
    verbose_name = _("milestone")
    verbose_name_plural = _("milestones (institutionalisation progress)")


# --- Hooks for ProposalAdmin ---------------------------------------------------------------------


def save_milestone_formset(request, formset) -> None:
    """Save the milestone inline through the services (the caller recomputes the stages once)."""
    instances = formset.save(commit=False)
    for milestone in formset.deleted_objects:
        services.milestone_delete(milestone=milestone, actor=request.user, recompute=False)
    for milestone in instances:
        services.milestone_save(milestone=milestone, actor=request.user, recompute=False)
    formset.save_m2m()


def recompute_after_admin_save(request, proposal: Proposal) -> None:
    changes = services.stages_recompute(proposal=proposal, actor=request.user)
    for change in changes:
        if change.jurisdiction and change.to_stage:
            messages.info(
                request,
                _("Stage in %(jurisdiction)s is now %(stage)s.")
                % {
                    "jurisdiction": Jurisdiction(change.jurisdiction).label,
                    "stage": Stage(change.to_stage).label,
                },
            )


def csv_response(milestones) -> HttpResponse:
    response = HttpResponse(csv_io.milestones_to_csv(milestones), content_type="text/csv; charset=utf-8")
    filename = f"milestones-{timezone.localdate():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@admin.action(description=_("Export milestones as CSV"))
def export_proposal_milestones(modeladmin, request, queryset):
    milestones = Milestone.objects.filter(proposal__in=queryset.values("pk"))
    return csv_response(selectors.milestones_for_export(milestones))


# --- Milestone list ------------------------------------------------------------------------------


IMPORT_SALT = "progress.milestones.import"
# How long a preview may be confirmed.
IMPORT_PREVIEW_SECONDS = 60 * 60


class ImportForm(forms.Form):
    """Step one: the file, checked and previewed; nothing is saved yet."""

    file = forms.FileField(label=_("CSV file"), help_text=_("UTF-8, with the columns of an export."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > services.MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is too large (at most 2 MB)."))
        return upload


class ConfirmImportForm(forms.Form):
    """Step two: the previewed file again (signed, so it is the very file that was checked) and the
    fingerprint of what the preview showed."""

    payload = forms.CharField(widget=forms.HiddenInput)

    def clean_payload(self) -> dict:
        try:
            payload = signing.loads(
                self.cleaned_data["payload"], salt=IMPORT_SALT, max_age=IMPORT_PREVIEW_SECONDS
            )
        except signing.SignatureExpired as error:
            raise forms.ValidationError(
                _("This preview is more than an hour old: upload the file again.")
            ) from error
        except signing.BadSignature as error:
            raise forms.ValidationError(_("This preview cannot be used: upload the file again.")) from error
        return {"data": base64.b64decode(payload["data"]), "expected": payload["expected"]}

    @staticmethod
    def sign(data: bytes, expected: str) -> str:
        return signing.dumps(
            {"data": base64.b64encode(data).decode("ascii"), "expected": expected},
            salt=IMPORT_SALT,
            compress=True,
        )


def status_changed_message(status: str, count: int) -> str:
    if status == MilestoneStatus.PUBLISHED:
        text = ngettext("%(count)d milestone published.", "%(count)d milestones published.", count)
    elif status == MilestoneStatus.DECLINED:
        text = ngettext("%(count)d milestone declined.", "%(count)d milestones declined.", count)
    else:
        text = ngettext("%(count)d milestone changed.", "%(count)d milestones changed.", count)
    return text % {"count": count}


@admin.register(Milestone)
class MilestoneAdmin(ModeratorPermissions, TranslationAdmin):
    form = MilestoneForm
    fieldsets = [(None, {"fields": ["proposal"]}), *MILESTONE_FIELDSETS]
    list_display = [
        "date",
        "proposal_title",
        "jurisdiction",
        "stage",
        "status",
        "title",
        "institution",
        "evidence",
        "next_review_on",
        "review_overdue",
    ]
    list_display_links = ["date", "title"]
    list_filter = ["stage", "jurisdiction", "status", ReviewOverdueFilter]
    list_select_related = ["proposal__current_version"]
    search_fields = [
        "title_en",
        "title_ko",
        "title_ja",
        "institution",
        "evidence_reference",
        "proposal__slug",
    ]
    ordering = ["-date", "-pk"]
    actions = ["export_csv", "publish", "decline"]

    def get_queryset(self, request):
        return selectors.milestones_with_currency(super().get_queryset(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "proposal":
            # A proposal's name is its current version's title: one join, not a query per option.
            kwargs["queryset"] = Proposal.objects.select_related("current_version")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("proposal"), ordering="proposal__position")
    def proposal_title(self, milestone: Milestone) -> str:
        return Truncator(str(milestone.proposal)).chars(60)

    @admin.display(description=_("evidence"))
    def evidence(self, milestone: Milestone) -> str:
        """The evidence a moderator checks before publishing: the link, else the document
        reference; a plain "none" when there is neither (publishing it would be refused)."""
        if milestone.evidence_url:
            label = milestone.evidence_reference or _("link")
            return format_html('<a href="{}" rel="noopener noreferrer">{}</a>', milestone.evidence_url, label)
        if milestone.evidence_reference:
            return milestone.evidence_reference
        return format_html('<span class="evidence-missing">{}</span>', _("none"))

    @admin.display(description=_("review overdue"), boolean=True)
    def review_overdue(self, milestone: Milestone) -> bool:
        return selectors.milestone_is_overdue(milestone, is_current=getattr(milestone, "is_current", False))

    def save_model(self, request, obj, form, change):
        services.milestone_save(milestone=obj, actor=request.user)

    def delete_model(self, request, obj):
        services.milestone_delete(milestone=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for milestone in queryset.select_related("proposal"):
            services.milestone_delete(milestone=milestone, actor=request.user)

    @admin.action(description=_("Export milestones as CSV"))
    def export_csv(self, request, queryset):
        return csv_response(selectors.milestones_for_export(queryset))

    @admin.action(description=_("Publish selected milestones"))
    def publish(self, request, queryset):
        self._set_status(request, queryset, MilestoneStatus.PUBLISHED)

    @admin.action(description=_("Decline selected milestones"))
    def decline(self, request, queryset):
        self._set_status(request, queryset, MilestoneStatus.DECLINED)

    def _set_status(self, request, queryset, status: str) -> None:
        """One milestone at a time: those that can move do; each one that cannot gets its own
        message saying why, and stays as it was."""
        try:
            result = services.milestones_set_status_each(
                milestones=list(queryset.order_by("date", "pk")), status=status, actor=request.user
            )
        except DeliberationError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        for _milestone, error in result.refused:
            self.message_user(request, error.message, messages.ERROR)
        count = len(result.changed)
        if count or not result.refused:
            self.message_user(request, status_changed_message(status, count), messages.SUCCESS)

    # --- CSV views ---

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="progress_milestone_import"),
            path("export/", self.admin_site.admin_view(self.export_view), name="progress_milestone_export"),
            *super().get_urls(),
        ]

    def export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return csv_response(selectors.milestones_for_export())

    def _preview(self, request, data: bytes):
        """The import of ``data`` checked and rolled back, and the form that confirms it (None
        when the file changes nothing)."""
        result = services.milestones_import(actor=request.user, data=data, dry_run=True)
        if not result.rows:
            return result, None
        return result, ConfirmImportForm(
            initial={"payload": ConfirmImportForm.sign(data, result.fingerprint)}
        )

    def import_view(self, request):
        """Upload (step one) shows exactly the rows the file changes, with a button to import them;
        the confirmation (step two) imports that same file, refusing if the milestones changed in
        between. Nothing is saved by step one."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        problems, result, status, confirm = [], None, 200, None
        form = ImportForm()
        if request.method == "POST" and "payload" in request.POST:
            confirmation = ConfirmImportForm(request.POST)
            if confirmation.is_valid():
                payload = confirmation.cleaned_data["payload"]
                try:
                    result = services.milestones_import(
                        actor=request.user, data=payload["data"], expected=payload["expected"]
                    )
                except DeliberationError as error:
                    status = error.status
                    self.message_user(request, error.message, messages.ERROR)
                    if error.code == "preview_outdated":
                        result, confirm = self._preview(request, payload["data"])
                else:
                    self.message_user(request, services.import_summary(result), messages.SUCCESS)
                    return redirect(reverse("admin:progress_milestone_changelist"))
            else:
                status = 400
                for error in confirmation.errors.get("payload", []):
                    self.message_user(request, error, messages.ERROR)
        elif request.method == "POST":
            form = ImportForm(request.POST, request.FILES)
            status = 400
            if form.is_valid():
                data = form.cleaned_data["file"].read()
                try:
                    result, confirm = self._preview(request, data)
                except services.ImportRefused as refusal:
                    problems = refusal.problems
                    self.message_user(request, refusal.message, messages.ERROR)
                except DeliberationError as error:
                    status = error.status
                    self.message_user(request, error.message, messages.ERROR)
                else:
                    status = 200
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import milestones from CSV"),
            "form": form,
            "confirm": confirm,
            "problems": problems,
            "result": result,
            "columns": csv_io.COLUMNS,
            "today": timezone.localdate().isoformat(),
        }
        return TemplateResponse(request, "admin/progress/milestone/import.html", context, status=status)
