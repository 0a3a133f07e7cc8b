from django.contrib import admin
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from accounts.permissions import is_moderator
from proposals.adminfilters import ProposalFilter

from . import services
from .models import Comment, CommentEdit, CommentReaction


class StateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("visible", _("Visible")),
            ("hidden", _("Hidden")),
            ("deleted", _("Deleted by author")),
            ("edited", _("Edited")),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "visible":
                return queryset.filter(hidden_at__isnull=True, deleted_at__isnull=True)
            case "hidden":
                return queryset.filter(hidden_at__isnull=False)
            case "deleted":
                return queryset.filter(deleted_at__isnull=False)
            case "edited":
                return queryset.filter(edited_at__isnull=False)
        return queryset


class CommentEditInline(admin.TabularInline):
    """The comment's earlier versions, newest last: read-only, like the comment."""

    model = CommentEdit
    fields = ["edited_at", "body"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = _("earlier version")
    verbose_name_plural = _("earlier versions (the text before each edit)")

    def has_view_permission(self, request, obj=None) -> bool:
        # Whoever may read the comment here may read what it said before.
        return is_moderator(request.user)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """Read-only: writes go through comments.services (soft delete, counters, audit); moderators
    hide and restore with the actions that the moderation app attaches to this admin
    (moderation.adminactions.attach), with or without reports."""

    list_display = [
        "id",
        "excerpt",
        "author",
        "proposal",
        "language",
        "stance",
        "depth",
        "created_at",
        "is_edited",
        "is_deleted",
        "agree_count",
        "disagree_count",
        "pass_count",
    ]
    list_display_links = ["id", "excerpt"]
    list_filter = [
        StateFilter,
        "language",
        "stance",
        "depth",
        "created_at",
        ProposalFilter,
    ]
    list_select_related = ["author", "proposal__current_version"]
    search_fields = ["body", "author__display_name", "author__email", "proposal__slug"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    readonly_fields = [field.name for field in Comment._meta.fields]
    inlines = [CommentEditInline]

    @admin.display(description=_("comment"))
    def excerpt(self, comment: Comment) -> str:
        return Truncator(comment.body).chars(80)

    @admin.display(description=_("edited"), boolean=True, ordering="edited_at")
    def is_edited(self, comment: Comment) -> bool:
        return comment.edited_at is not None

    @admin.display(description=_("deleted"), boolean=True, ordering="deleted_at")
    def is_deleted(self, comment: Comment) -> bool:
        return comment.is_deleted

    @admin.display(description=_("hidden"), boolean=True, ordering="hidden_at")
    def is_hidden(self, comment: Comment) -> bool:
        return comment.is_hidden

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting rows would break threads and counters; authors soft-delete, moderators hide.
        return False


class HeldFilter(admin.SimpleListFilter):
    title = _("counted toward labels")
    parameter_name = "held"

    def lookups(self, request, model_admin):
        return [("yes", _("Held (new account)")), ("no", _("Counted"))]

    def queryset(self, request, queryset):
        from django.utils import timezone

        match self.value():
            case "yes":
                return queryset.filter(held_until__gt=timezone.now())
            case "no":
                return queryset.exclude(held_until__gt=timezone.now())
        return queryset


@admin.register(CommentReaction)
class CommentReactionAdmin(admin.ModelAdmin):
    """Read-only list of reactions for moderators, to confirm a burst from new accounts (held
    reactions count toward common-ground labels once confirmed or once the accounts are old enough)."""

    list_display = ["pk", "comment", "user", "kind", "nationality", "via", "created_at", "held_until"]
    list_filter = [HeldFilter, "kind", "nationality", "via"]
    list_select_related = ["comment", "user"]
    actions = ["confirm_held"]
    date_hierarchy = "created_at"

    def has_module_permission(self, request):
        return is_moderator(request.user)

    def has_view_permission(self, request, obj=None):
        return is_moderator(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Confirm: count these reactions toward the labels now"))
    def confirm_held(self, request, queryset):
        count = services.held_reactions_confirm(moderator=request.user, reactions=list(queryset))
        self.message_user(request, _("%(count)d held reactions now count.") % {"count": count})
