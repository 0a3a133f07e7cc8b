from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import actions
from .models import AuditEntry


class ActionFilter(admin.SimpleListFilter):
    """The actions present in the log (one query), by their labels."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        codes = AuditEntry.objects.order_by().values_list("action", flat=True).distinct()
        return sorted(((code, actions.label(code)) for code in codes), key=lambda choice: str(choice[1]))

    def queryset(self, request, queryset):
        return queryset if self.value() is None else queryset.filter(action=self.value())


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The log is append-only: nobody, superusers included, adds, changes or deletes rows here (and
    the database refuses it anyway, see migration 0003)."""

    list_display = ["created_at", "action_label", "actor_display", "target_repr", "reason"]
    list_filter = [ActionFilter, "target_type", ("actor", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["action", "target_repr", "reason", "actor_ref", "actor__email", "actor__display_name"]
    list_select_related = ["actor", "target_type"]
    date_hierarchy = "created_at"
    readonly_fields = ["action_label", *(field.name for field in AuditEntry._meta.fields)]

    @admin.display(description=_("action"), ordering="action")
    def action_label(self, entry: AuditEntry) -> str:
        # The label to read; the code, which the row keeps, on hover and in searches.
        return format_html('<span title="{}">{}</span>', entry.action, actions.label(entry.action))

    @admin.display(description=_("actor"), ordering="actor")
    def actor_display(self, entry: AuditEntry) -> str:
        # A deleted account is shown by its pseudonymous id; automatic actions have neither.
        if entry.actor is not None:
            return str(entry.actor)
        return entry.actor_ref

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
