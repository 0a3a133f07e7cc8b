"""Moderators' admin actions, shared by the moderation queue and the comment, amendment and user
admins (``attach`` adds them to those admins, which do not import this app). Each action goes through an intermediate page (a reason or a note, and the list of what it
applies to), then calls the moderation service once per selected object; refusals are reported per
object and nothing else changes.
"""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_stubs_ext import StrPromise

from accounts.models import User
from amendments.models import Amendment
from comments.models import Comment
from core.adminconfirm import run_with_form

from . import services
from .forms import HideForm, OptionalReasonForm, SuspendForm

# --- Hidden state, shown the same way everywhere -----------------------------------------------------


class HiddenStateFilter(admin.SimpleListFilter):
    title = _("moderation")
    parameter_name = "hidden"

    def lookups(self, request, model_admin):
        return [
            ("visible", _("Visible")),
            ("manual", _("Hidden by a moderator")),
            ("automatic", _("Hidden automatically, pending review")),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "visible":
                return queryset.filter(hidden_at__isnull=True)
            case "manual":
                return queryset.filter(hidden_at__isnull=False, hidden_automatically=False)
            case "automatic":
                return queryset.filter(hidden_at__isnull=False, hidden_automatically=True)
        return queryset


def hidden_state_label(item) -> StrPromise:
    if item.hidden_at is None:
        return _("Visible")
    if item.hidden_automatically:
        return _("Hidden automatically, pending review")
    return _("Hidden by a moderator")


@admin.display(description=_("moderation"), ordering="hidden_at")
def hidden_state(item) -> str:
    css = "visible" if item.hidden_at is None else ("automatic" if item.hidden_automatically else "manual")
    return format_html('<span class="hidden-state hidden-state-{}">{}</span>', css, hidden_state_label(item))


def describe_item(item) -> str:
    text = item.body if hasattr(item, "body") else item.new_text
    return f"#{item.pk} {Truncator(text).chars(120)}"


# --- Actions on comments and amendments ----------------------------------------------------------------


def hide_action(kind: str):
    """ "Hide selected", with the reason the author will read. ``kind``: "comment" or "amendment"."""

    @admin.action(description=_("Hide selected (give a reason)"), permissions=["change"])
    def hide_selected(modeladmin, request, queryset):
        return run_with_form(
            modeladmin,
            request,
            queryset,
            action="hide_selected",
            title=_("Hide from participants"),
            intro=_(
                "Participants will see the reason in place of the text, each in their own language, and "
                "your note as you write it; the authors are notified. Open reports on these items are "
                "marked as actioned."
            ),
            form_class=HideForm,
            apply=lambda item, form: services.item_hide(
                moderator=request.user,
                category=form.cleaned_data["category"],
                note=form.cleaned_data["note"],
                note_language=form.cleaned_data["note_language"],
                **{kind: item},
            ),
            done=lambda n: ngettext("%(count)d item hidden.", "%(count)d items hidden.", n) % {"count": n},
            describe=describe_item,
        )

    return hide_selected


def restore_action(kind: str):
    @admin.action(description=_("Restore selected (show again)"), permissions=["change"])
    def restore_selected(modeladmin, request, queryset):
        return run_with_form(
            modeladmin,
            request,
            queryset,
            action="restore_selected",
            title=_("Show again"),
            intro=_("These items become visible again; their open reports are dismissed."),
            form_class=OptionalReasonForm,
            apply=lambda item, form: services.item_restore(
                moderator=request.user, reason=form.cleaned_data["reason"], **{kind: item}
            ),
            done=lambda n: (
                ngettext("%(count)d item restored.", "%(count)d items restored.", n) % {"count": n}
            ),
            describe=describe_item,
        )

    return restore_selected


def dismiss_action(kind: str):
    @admin.action(description=_("Dismiss the reports on selected"), permissions=["change"])
    def dismiss_selected(modeladmin, request, queryset):
        return run_with_form(
            modeladmin,
            request,
            queryset,
            action="dismiss_selected",
            title=_("Dismiss reports"),
            intro=_(
                "The open reports on these items are dismissed as unfounded. Items hidden automatically "
                "because of them become visible again."
            ),
            form_class=OptionalReasonForm,
            apply=lambda item, form: services.reports_dismiss(
                moderator=request.user, reason=form.cleaned_data["reason"], **{kind: item}
            ),
            done=lambda n: (
                ngettext("Reports dismissed on %(count)d item.", "Reports dismissed on %(count)d items.", n)
                % {"count": n}
            ),
            describe=describe_item,
        )

    return dismiss_selected


# --- Actions on users ------------------------------------------------------------------------------------


def describe_user(user) -> str:
    return f"{user.public_name} ({user.get_nationality_display()}) <{user.email}>"


@admin.action(description=_("Suspend selected (until a date or indefinitely)"), permissions=["change"])
def suspend_selected(modeladmin, request, queryset):
    return run_with_form(
        modeladmin,
        request,
        queryset,
        action="suspend_selected",
        title=_("Suspend accounts"),
        intro=_(
            "Suspended participants can still read everything but cannot comment, rate, amend or report. "
            "They are notified with your justification."
        ),
        form_class=SuspendForm,
        apply=lambda user, form: services.user_suspend(
            moderator=request.user, user=user, until=form.until_datetime, reason=form.cleaned_data["reason"]
        ),
        done=lambda n: (
            ngettext("%(count)d account suspended.", "%(count)d accounts suspended.", n) % {"count": n}
        ),
        describe=describe_user,
    )


@admin.action(description=_("Lift the suspension of selected"), permissions=["change"])
def unsuspend_selected(modeladmin, request, queryset):
    return run_with_form(
        modeladmin,
        request,
        queryset,
        action="unsuspend_selected",
        title=_("Lift suspensions"),
        intro=_("These participants can take part again at once."),
        form_class=OptionalReasonForm,
        apply=lambda user, form: services.user_unsuspend(
            moderator=request.user, user=user, reason=form.cleaned_data["reason"]
        ),
        done=lambda n: (
            ngettext("%(count)d suspension lifted.", "%(count)d suspensions lifted.", n) % {"count": n}
        ),
        describe=describe_user,
    )


# --- Attaching the actions to the admins of what is moderated -------------------------------------------


def _extend(model_admin, *, actions, column=None, column_after=None, list_filter=None, filter_after=None):
    """Add ``actions``, a list column and a filter to a registered ModelAdmin (this instance only)."""
    model_admin.actions = [*(model_admin.actions or ()), *actions]
    if column is not None:
        model_admin.list_display = _insert_after(model_admin.list_display, column, column_after)
    if list_filter is not None:
        model_admin.list_filter = _insert_after(model_admin.list_filter, list_filter, filter_after)


def _insert_after(items, item, after) -> list:
    items = list(items)
    if item in items:
        return items
    position = items.index(after) + 1 if after in items else len(items)
    return [*items[:position], item, *items[position:]]


def attach(site: admin.AdminSite) -> None:
    """Give the comment, amendment and user admins the moderators' actions, the hidden-state
    column and filter. Called from ``ModerationConfig.ready`` (after the admin has discovered every
    app's admin), so that those apps need not import this one, which sits above them."""
    _extend(
        site.get_model_admin(Comment),
        actions=[hide_action("comment"), restore_action("comment")],
        column=hidden_state,
        column_after="is_deleted",
        list_filter=HiddenStateFilter,
        filter_after=site.get_model_admin(Comment).list_filter[0],
    )
    _extend(
        site.get_model_admin(Amendment),
        actions=[hide_action("amendment"), restore_action("amendment")],
        column=hidden_state,
        column_after="state",
        list_filter=HiddenStateFilter,
        filter_after="state",
    )
    _extend(site.get_model_admin(User), actions=[suspend_selected, unsuspend_selected])
