"""The participant's data-rights pages: download a copy, delete the account."""

import json
import time

from allauth.account import app_settings as allauth_settings
from allauth.account.decorators import reauthentication_required
from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.internal.flows.reauthentication import get_reauthentication_flows
from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from .datarights import account_erase, data_export_request
from .models import DataExport

# The headings of the readable summary, by kind (core.personaldata names).
KIND_LABELS = {
    "profile": _("Profile"),
    "consents": _("Consents"),
    "guardian_consents": _("Guardian's consent"),
    "memberships": _("Programmes"),
    "nationality_changes": _("Nationality change requests"),
    "comments": _("Comments"),
    "comment_edits": _("Earlier versions of your comments"),
    "reactions": _("Reactions"),
    "ratings": _("Ratings"),
    "amendments": _("Amendments"),
    "amendment_votes": _("Votes on amendments"),
    "reports": _("Reports you made"),
    "translations": _("Translations you wrote"),
    "notifications": _("Notifications"),
}


class DeleteAccountForm(forms.Form):
    contributions = forms.ChoiceField(
        label=_("What happens to what you wrote"),
        choices=[
            (
                "keep",
                _('Keep my comments and amendments, without my name (shown as "Withdrawn participant")'),
            ),
            ("delete", _("Delete the text of my comments and amendments")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what happens to what you wrote.")},
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account and my data are erased and cannot be restored."),
        error_messages={"required": _("Tick the box to confirm.")},
    )


@login_required
def data_page(request):
    """Your data: ask for a copy, or go on to delete the account."""
    return render(request, "accounts/data.html", {"form": DeleteAccountForm()})


@require_POST
@login_required
def data_export_view(request):
    data_export_request(user=request.user)
    messages.success(request, _("We are preparing your data. We will email you a link to download it."))
    return redirect("accounts:data")


@login_required
def data_download(request, token: str):
    """The prepared copy: JSON by default, ``?format=html`` the readable summary. Only its owner,
    only until it expires."""
    export = DataExport.objects.filter(token=token, user=request.user, ready_at__isnull=False).first()
    if export is None or export.expires_at <= timezone.now():
        raise Http404
    if request.GET.get("format") == "html":
        sections = [
            (KIND_LABELS.get(kind, kind), kind, rows) for kind, rows in export.payload.get("data", {}).items()
        ]
        return render(request, "accounts/data_summary.html", {"export": export, "sections": sections})
    response = HttpResponse(
        json.dumps(export.payload, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="my-data-{export.ready_at:%Y%m%d}.json"'
    return response


def _signed_in_too_long_ago_without_a_password(request) -> bool:
    """allauth re-authenticates with a password or an authenticator app; an account that has
    neither (signed up with Kakao, Naver, LINE or Google) would pass unasked, and allauth cannot
    send it back to the provider. Such an account must have signed in within the
    re-authentication timeout instead."""
    user = request.user
    if get_reauthentication_flows(user):
        return False
    latest = max((record.get("at", 0) for record in get_authentication_records(request, user)), default=0)
    return time.time() - latest >= allauth_settings.REAUTHENTICATION_TIMEOUT


@login_required
@reauthentication_required
def delete_account(request):
    """Erase one's own account after entering the password again (allauth's re-authentication),
    or, for an account without a password, after signing in again with its provider."""
    if _signed_in_too_long_ago_without_a_password(request):
        logout(request)
        messages.info(request, _("To delete your account, sign in again first; then confirm the deletion."))
        return redirect(f"{reverse('account_login')}?next={reverse('accounts:data')}")
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        account_erase(user=user, actor=user, keep_contributions=form.cleaned_data["contributions"] == "keep")
        logout(request)
        messages.success(request, _("Your account has been deleted."))
        return redirect("proposals:list")
    status = 400 if form.is_bound else 200
    return render(request, "accounts/data.html", {"form": form, "delete_open": True}, status=status)
