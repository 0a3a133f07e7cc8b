from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrPromise
from modeltranslation.admin import TranslationAdmin

from audit.log import record
from core.adminconfirm import CONFIRM, confirm_page, run_with_form
from core.errors import DeliberationError

from .datarights import account_erase
from .guardians import guardian_consent_attest
from .models import Consent, GuardianConsent, Membership, NationalityChange, Programme, User
from .permissions import is_moderator
from .services import nationality_change_decide, user_delete


class SuspensionFilter(admin.SimpleListFilter):
    title = _("suspension")
    parameter_name = "suspension"

    def lookups(self, request, model_admin):
        return [
            ("suspended", _("Suspended")),
            ("indefinitely", _("Suspended indefinitely")),
            ("expired", _("Suspension ended")),
            ("none", _("Never suspended or lifted")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        current = Q(suspended_at__isnull=False) & (
            Q(suspended_until__isnull=True) | Q(suspended_until__gt=now)
        )
        match self.value():
            case "suspended":
                return queryset.filter(current)
            case "indefinitely":
                return queryset.filter(suspended_at__isnull=False, suspended_until__isnull=True)
            case "expired":
                return queryset.filter(suspended_at__isnull=False, suspended_until__lte=now)
            case "none":
                return queryset.filter(suspended_at__isnull=True)
        return queryset


class ConsentFilter(admin.SimpleListFilter):
    title = _("consent")
    parameter_name = "consent"

    def lookups(self, request, model_admin):
        return [
            ("current", _("Consented to the notice in force")),
            ("outdated", _("Consented to an earlier notice")),
            ("none", _("No consent")),
            ("research", _("Consented to research use")),
        ]

    def queryset(self, request, queryset):
        version = settings.PRIVACY_POLICY_VERSION
        match self.value():
            case "current":
                return queryset.filter(policy_version=version)
            case "outdated":
                return queryset.exclude(policy_version=version).exclude(policy_version="")
            case "none":
                return queryset.filter(policy_version="")
            case "research":
                return queryset.filter(research_consent=True)
        return queryset


class ConsentInline(admin.TabularInline):
    """The record of the account's consents, newest first: read-only (only the participant, or
    their guardian, answers)."""

    model = Consent
    extra = 0
    can_delete = False
    fields = ["recorded_at", "purpose", "granted", "policy_version", "method"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class GuardianConsentInline(admin.TabularInline):
    """Guardians' consents (and organisers' attestations) for a young participant: read-only."""

    model = GuardianConsent
    fk_name = "user"
    extra = 0
    can_delete = False
    fields = [
        "requested_at",
        "method",
        "status",
        "policy_version",
        "scope",
        "note",
        "attested_by",
        "decided_at",
        "withdrawn_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class AttestationForm(forms.Form):
    note = forms.CharField(
        label=_("Cohort"),
        max_length=200,
        help_text=_(
            'The school class or group whose guardians\' consent the organiser holds, e.g. "Seoul High School, class 2-3".'
        ),
    )


@admin.action(
    description=_("Record the organiser's attestation of guardians' consent"), permissions=["change"]
)
def attest_guardian_consent(modeladmin, request, queryset):
    """An intermediate page asks for the cohort; the second POST records it (accounts.guardians)."""
    if not is_moderator(request.user):
        raise PermissionDenied
    if CONFIRM in request.POST:
        form = AttestationForm(request.POST)
        if form.is_valid():
            try:
                done = guardian_consent_attest(
                    moderator=request.user, users=list(queryset), note=form.cleaned_data["note"]
                )
            except DeliberationError as error:
                modeladmin.message_user(request, error.message, messages.ERROR)
            else:
                modeladmin.message_user(
                    request,
                    _("Attestation recorded for %(count)d participant(s).") % {"count": done},
                    messages.SUCCESS,
                )
            return None
    else:
        form = AttestationForm()
    return confirm_page(
        modeladmin,
        request,
        queryset,
        action="attest_guardian_consent",
        title=_("Record the organiser's attestation"),
        intro=_(
            "Only for participants who need a guardian's consent and have none in force. Record it only "
            "when the programme organiser holds each guardian's written consent for this cohort."
        ),
        form=form,
        describe=_named,
    )


def _named(user: User) -> str:
    return f"{user.public_name} <{user.email}>"


class ErasureForm(forms.Form):
    contributions = forms.ChoiceField(
        label=_("Their comments and amendments"),
        choices=[("keep", _("Keep, without the name")), ("delete", _("Delete the text"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Request"),
        max_length=200,
        help_text=_("Who asked and how (e.g. the participant's email of 3 May, their guardian)."),
    )


@admin.action(description=_("Erase the selected accounts (an erasure request)"), permissions=["change"])
def erase_accounts(modeladmin, request, queryset):
    """Moderators process erasure requests (by a participant, or a guardian for a minor) with the
    same erasure a participant does themselves (accounts.datarights.account_erase)."""
    if not is_moderator(request.user):
        raise PermissionDenied

    def erase(user, form):
        account_erase(
            user=user,
            actor=request.user,
            keep_contributions=form.cleaned_data["contributions"] == "keep",
            reason=form.cleaned_data["reason"],
        )

    return run_with_form(
        modeladmin,
        request,
        queryset,
        action="erase_accounts",
        title=_("Erase accounts"),
        intro=_(
            "Profile, ratings, reactions, votes, reports and notifications are erased and the figures "
            'recounted; comments and amendments pass to "Withdrawn participant", kept or emptied as chosen. '
            "This cannot be undone."
        ),
        form_class=ErasureForm,
        apply=erase,
        done=lambda count: _("%(count)d account(s) erased.") % {"count": count},
        describe=_named,
    )


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Moderators suspend and lift suspensions with the actions the moderation app attaches
    (moderation.services: audited, the participant notified). Only superusers edit accounts, permissions and passwords here."""

    ordering = ["email"]
    list_display = [
        "email",
        "display_name",
        "nationality",
        "preferred_language",
        "is_active",
        "is_staff",
        "suspension",
        "consent_state",
        "age_band",
        "guardian_state",
    ]
    inlines = [ConsentInline, GuardianConsentInline]
    actions = [attest_guardian_consent, erase_accounts]
    list_filter = [
        SuspensionFilter,
        ConsentFilter,
        "age_band",
        "nationality",
        "preferred_language",
        "is_active",
        "is_staff",
    ]
    # Suspend and lift are attached by the moderation app (moderation.adminactions.attach).
    search_fields = ["email", "display_name", "affiliation"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Profile"), {"fields": ["display_name", "nationality", "preferred_language", "affiliation"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
        (_("Suspension"), {"fields": ["suspended_at", "suspended_until", "suspension_reason"]}),
        (_("Consent"), {"fields": ["policy_version", "research_consent", "age_band", "guardian_consent_at"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "display_name", "password1", "password2"]}),
    ]
    suspension_fields = ["suspended_at", "suspended_until", "suspension_reason"]
    # Consent is given by the participant (or their guardian), never edited here.
    consent_fields = ["policy_version", "research_consent", "age_band", "guardian_consent_at"]

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return self.suspension_fields + self.consent_fields
        # Moderators hold "change user" for the suspension actions only: an email, a permission or
        # a group changed here would be a way into someone else's account or into more power.
        return [name for _title, options in self.fieldsets for name in options["fields"]]

    def delete_model(self, request, obj):
        # Through the service: recorded in the audit log with who deleted the account.
        user_delete(user=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            user_delete(user=user, actor=request.user)

    def user_change_password(self, request, id, form_url=""):
        if not request.user.is_superuser:
            raise PermissionDenied
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                # The admin redirects only once the new password is saved; the row never holds it.
                record(
                    action="account.password_set_by_admin", actor=request.user, target=User.objects.get(pk=id)
                )
        return response

    @admin.display(description=_("consent"), ordering="policy_version")
    def consent_state(self, user: User) -> str | StrPromise:
        if not user.policy_version:
            return _("none")
        state = (
            _("current")
            if user.has_current_consent
            else _("outdated (%(version)s)") % {"version": user.policy_version}
        )
        if user.research_consent:
            return _("%(state)s, research use") % {"state": state}
        return state

    @admin.display(description=_("guardian"), ordering="guardian_consent_at")
    def guardian_state(self, user: User) -> str | StrPromise:
        if not user.needs_guardian_consent:
            return ""
        return _("consented") if user.guardian_consent_at else _("waiting")

    @admin.display(description=_("suspension"), ordering="suspended_until")
    def suspension(self, user: User) -> str | StrPromise:
        if user.suspended_at is None:
            return ""
        if not user.is_suspended():
            return _("ended")
        if user.suspended_until is None:
            return _("indefinitely")
        until = formats.date_format(timezone.localtime(user.suspended_until), "SHORT_DATE_FORMAT")
        return _("until %(date)s") % {"date": until}


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Programme)
class ProgrammeAdmin(TranslationAdmin):
    list_display = ["name", "starts_on", "ends_on", "is_open"]
    prepopulated_fields = {"slug": ["name_en"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "programme", "joined_at", "is_active"]
    list_filter = ["programme", "is_active"]
    list_select_related = ["user", "programme"]
    raw_id_fields = ["user"]
    search_fields = ["user__email", "user__display_name"]


@admin.register(NationalityChange)
class NationalityChangeAdmin(admin.ModelAdmin):
    """Participants' requests for a new nationality: moderators approve or decline them with the
    actions (``services.nationality_change_decide``: audited with the old and new values)."""

    list_display = [
        "user",
        "from_nationality",
        "to_nationality",
        "reason",
        "status",
        "requested_at",
        "decided_by",
    ]
    list_filter = ["status", "to_nationality"]
    list_select_related = ["user", "decided_by"]
    search_fields = ["user__email", "user__display_name"]
    readonly_fields = [field.name for field in NationalityChange._meta.fields]
    actions = ["approve_selected", "decline_selected"]

    def has_module_permission(self, request) -> bool:
        return is_moderator(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_moderator(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        # The actions change requests; the form itself is read-only.
        return is_moderator(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Approve the selected requests"))
    def approve_selected(self, request, queryset):
        self._decide(request, queryset, approve=True)

    @admin.action(description=_("Decline the selected requests"))
    def decline_selected(self, request, queryset):
        self._decide(request, queryset, approve=False)

    def _decide(self, request, queryset, *, approve: bool) -> None:
        done = 0
        for change in queryset:
            try:
                nationality_change_decide(moderator=request.user, change=change, approve=approve)
            except DeliberationError as error:
                self.message_user(request, f"{change.user}: {error.message}", messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(request, _("%(count)d request(s) decided.") % {"count": done}, messages.SUCCESS)
