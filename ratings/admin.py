"""Read-only lists for moderators. Ratings and aggregates change only through the services, which
keep them consistent; editing either here would break the running totals."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.permissions import is_moderator

from .models import Rating, RatingAggregate


class ReadOnlyAdmin(admin.ModelAdmin):
    # Moderators see the lists without needing model permissions granted one by one.
    def has_module_permission(self, request) -> bool:
        return is_moderator(request.user) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_moderator(request.user) or super().has_view_permission(request, obj)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RatingAggregate)
class RatingAggregateAdmin(ReadOnlyAdmin):
    list_display = ["proposal", "criterion", "group", "count", "mean_display", "n1", "n2", "n3", "n4", "n5"]
    list_filter = ["criterion", "group"]
    list_select_related = ["proposal__current_version"]
    search_fields = ["proposal__slug"]
    ordering = ["proposal__position", "proposal__slug", "criterion", "group"]

    @admin.display(description=_("mean"))
    def mean_display(self, aggregate: RatingAggregate) -> str:
        return "—" if aggregate.mean is None else f"{aggregate.mean:.2f}"


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ["proposal", "criterion", "score", "group", "user", "updated_at"]
    list_filter = ["criterion", "group", "score"]
    list_select_related = ["proposal__current_version", "user"]
    search_fields = ["proposal__slug"]
    ordering = ["-updated_at", "-pk"]
