from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The log is append-only: nobody, superusers included, adds, changes or deletes rows here (and
    the database refuses it anyway, see migration 0003)."""

    list_display = ["created_at", "action", "actor_display", "target_repr", "reason"]
    list_filter = ["action", "target_type", ("actor", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["action", "target_repr", "reason", "actor_ref", "actor__email", "actor__display_name"]
    list_select_related = ["actor", "target_type"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in AuditEntry._meta.fields]

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
