"""The moderation queue: reported comments and reported amendments (proxy models), most urgent
first, with the figures a moderator decides on; and the reports themselves, read-only.

Only moderators (accounts.permissions.is_moderator: staff in the Moderator group, or superusers)
see the queue, whatever other permissions a staff account holds.
"""

from django.contrib import admin
from django.db.models import Exists
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy

from accounts.permissions import is_moderator
from comments.models import Comment
from comments.services import comment_url
from core.text import parse_id

from . import selectors
from .adminactions import HiddenStateFilter, dismiss_action, hidden_state, hide_action, restore_action
from .models import Report, ReportedAmendment, ReportedComment, ReportReason

EXCERPT = 200


def _kind(model) -> str:
    return "comment" if issubclass(model, Comment) else "amendment"


def current_view(request) -> str:
    """The queue's view asked for in the URL (``?view=``); what awaits review otherwise."""
    view = request.GET.get("view")
    return view if view in selectors.VIEWS else selectors.REVIEW


class ViewFilter(admin.SimpleListFilter):
    """The queue's three views. Not a filter of the rows themselves: the view decides which items
    and which of their reports the queue counts (``QueueAdmin.get_queryset``)."""

    title = _("show")
    parameter_name = "view"

    def lookups(self, request, model_admin):
        return [
            (selectors.REVIEW, _("Needs review")),
            (selectors.HIDDEN, _("Hidden")),
            (selectors.DISMISSED, _("Reports dismissed")),
        ]

    def value(self):
        value = super().value()
        return value if value in selectors.VIEWS else selectors.REVIEW

    def choices(self, changelist):
        # No "All": every view is one of the three.
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string(
                    {self.parameter_name: lookup}, ["hidden", "reason", "one_nationality", "proposal"]
                ),
                "display": title,
            }

    def queryset(self, request, queryset):
        return queryset


class QueueHiddenStateFilter(HiddenStateFilter):
    """Only the states items of the current view can be in: an item awaiting review is visible or
    hidden automatically (hiding it by hand closes its reports), a hidden one is hidden by hand or
    automatically, a dismissed one is visible."""

    STATES = {
        selectors.REVIEW: ("visible", "automatic"),
        selectors.HIDDEN: ("manual", "automatic"),
        selectors.DISMISSED: (),
    }

    def lookups(self, request, model_admin):
        allowed = self.STATES[current_view(request)]
        return [(value, label) for value, label in super().lookups(request, model_admin) if value in allowed]


class ReasonFilter(admin.SimpleListFilter):
    title = _("reason")
    parameter_name = "reason"

    def lookups(self, request, model_admin):
        return ReportReason.choices

    def queryset(self, request, queryset):
        if self.value() not in ReportReason.values:
            return queryset
        reports = selectors.view_reports(_kind(queryset.model), current_view(request), reason=self.value())
        return queryset.filter(Exists(reports))


class OneNationalityFilter(admin.SimpleListFilter):
    title = _("reported by one nationality only")
    parameter_name = "one_nationality"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        match self.value():
            case "yes":
                return queryset.filter(one_nationality=True)
            case "no":
                return queryset.filter(one_nationality=False)
        return queryset


class ProposalFilter(admin.SimpleListFilter):
    """Only the proposals that have something in the queue (one query)."""

    title = _("proposal")
    parameter_name = "proposal"

    def lookups(self, request, model_admin):
        proposals = selectors.queue_proposals(_kind(model_admin.model), current_view(request))
        return [(str(pk), title) for pk, title in proposals]

    def queryset(self, request, queryset):
        pk = parse_id(self.value())
        return queryset if pk is None else queryset.filter(proposal_id=pk)


class QueueAdmin(admin.ModelAdmin):
    """What the two queues share. Subclasses set ``kind`` and the columns about the item."""

    kind = ""
    list_filter = [ViewFilter, ReasonFilter, QueueHiddenStateFilter, OneNationalityFilter, ProposalFilter]
    list_per_page = 50
    show_full_result_count = False

    def get_queryset(self, request):
        # The list shows one view; an item's own page and the actions reach any reported or
        # hidden item, whichever view it was picked from.
        match = request.resolver_match
        listing = match is not None and (match.url_name or "").endswith("_changelist")
        view = current_view(request) if listing else selectors.ANY
        return selectors.comment_queue(view) if self.kind == "comment" else selectors.amendment_queue(view)

    def get_ordering(self, request):
        return selectors.QUEUE_ORDERING

    def get_actions(self, request):
        # Nothing to delete here: content is hidden, never deleted.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_module_permission(self, request) -> bool:
        return is_moderator(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_moderator(request.user) and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return is_moderator(request.user) and super().has_change_permission(request, obj)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("reports"), ordering="report_count")
    def reports(self, item) -> int:
        return item.report_count

    @admin.display(description=_("reporters by nationality"))
    def nationality_mix(self, item) -> str:
        return _("KR %(kr)d / JP %(jp)d / other %(other)d") % {
            "kr": item.reports_kr,
            "jp": item.reports_jp,
            "other": item.reports_other,
        }

    @admin.display(description=_("one nationality"), boolean=True, ordering="one_nationality")
    def flagged(self, item) -> bool:
        return item.one_nationality

    @admin.display(description=_("reasons"))
    def reasons(self, item) -> str:
        parts = [
            _("%(reason)s (%(count)d)") % {"reason": label, "count": getattr(item, f"reason_{value}")}
            for value, label in ReportReason.choices
            if getattr(item, f"reason_{value}")
        ]
        return pgettext("list separator", ", ").join(str(part) for part in parts)

    @admin.display(description=_("first reported"), ordering="first_reported_at")
    def first_reported(self, item):
        return item.first_reported_at

    @admin.display(description=_("state"))
    def state(self, item) -> str:
        return hidden_state(item)

    @admin.display(description=pgettext_lazy("content author", "author"))
    def author_badge(self, item) -> str:
        return format_html("{} ({})", item.author.public_name, item.author.nationality)

    @admin.display(description=_("reports"))
    def report_list(self, item) -> str:
        rows = selectors.reports_for(**{self.kind: item})
        return format_html(
            '<table class="moderation-reports"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>'
            "<th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("reported at"),
            _("reason"),
            _("note"),
            _("reporter"),
            _("status"),
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} ({})</td><td>{}</td></tr>",
                (
                    (
                        formats.date_format(timezone.localtime(report.created_at), "SHORT_DATETIME_FORMAT"),
                        report.get_reason_display(),
                        report.note,
                        report.reporter.public_name,
                        report.reporter_nationality,
                        report.get_status_display(),
                    )
                    for report in rows
                ),
            ),
        )


@admin.register(ReportedComment)
class ReportedCommentAdmin(QueueAdmin):
    kind = "comment"
    list_display = [
        "text",
        "context",
        "author_badge",
        "reports",
        "nationality_mix",
        "reasons",
        "flagged",
        "state",
        "first_reported",
    ]
    list_display_links = ["text"]
    list_select_related = ["author", "proposal__current_version", "parent"]
    search_fields = ["body", "author__display_name", "proposal__slug"]
    actions = [hide_action("comment"), restore_action("comment"), dismiss_action("comment")]
    fields = [
        "context",
        "author_badge",
        "body",
        "language",
        "created_at",
        "state",
        "hidden_category",
        "hidden_reason",
        "hidden_note_language",
        "report_list",
    ]
    readonly_fields = list(fields)  # type: ignore[arg-type]  # plain field names here

    @admin.display(description=_("reported comment"))
    def text(self, comment) -> str:
        return Truncator(comment.body).chars(EXCERPT)

    @admin.display(description=_("where"))
    def context(self, comment) -> str:
        """The proposal (linked to the comment on the public page) and what it answers."""
        link = format_html('<a href="{}">{}</a>', comment_url(comment), comment.proposal)
        if comment.parent_id is not None:
            return format_html(
                '{}<br><span class="moderation-parent">{} {}</span>',
                link,
                _("In reply to:"),
                Truncator(comment.parent.body).chars(120),
            )
        if comment.amendment_id is not None:
            return format_html(
                "{}<br>{}", link, _("On amendment #%(number)d") % {"number": comment.amendment_id}
            )
        return link


@admin.register(ReportedAmendment)
class ReportedAmendmentAdmin(QueueAdmin):
    kind = "amendment"
    list_display = [
        "text",
        "context",
        "author_badge",
        "reports",
        "nationality_mix",
        "reasons",
        "flagged",
        "state",
        "first_reported",
    ]
    list_display_links = ["text"]
    list_select_related = ["author", "proposal__current_version"]
    search_fields = ["new_text", "rationale", "author__display_name", "proposal__slug"]
    actions = [hide_action("amendment"), restore_action("amendment"), dismiss_action("amendment")]
    fields = [
        "context",
        "author_badge",
        "new_text",
        "rationale",
        "created_at",
        "state",
        "hidden_category",
        "hidden_reason",
        "hidden_note_language",
        "report_list",
    ]
    readonly_fields = list(fields)  # type: ignore[arg-type]  # plain field names here

    @admin.display(description=_("reported amendment"))
    def text(self, amendment) -> str:
        return format_html(
            "{}<br><small>{}</small>",
            Truncator(amendment.new_text).chars(EXCERPT),
            Truncator(amendment.rationale).chars(EXCERPT),
        )

    @admin.display(description=_("where"))
    def context(self, amendment) -> str:
        return format_html(
            '<a href="{}">{}</a><br>{} ({})',
            amendment.get_absolute_url(),
            amendment.proposal,
            amendment.get_field_display(),
            amendment.language,
        )


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Every report, read-only: moderators act on the items in the queues above."""

    list_display = ["created_at", "reason", "status", "reporter_nationality", "item", "note_excerpt"]
    list_filter = ["status", "reason", "reporter_nationality"]
    search_fields = ["note", "comment__body", "amendment__new_text"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in Report._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("reported item"))
    def item(self, report: Report) -> str:
        if report.comment_id is not None:
            return _("Comment #%(number)d") % {"number": report.comment_id}
        return _("Amendment #%(number)d") % {"number": report.amendment_id}

    @admin.display(description=_("note"))
    def note_excerpt(self, report: Report) -> str:
        return Truncator(report.note).chars(80)
