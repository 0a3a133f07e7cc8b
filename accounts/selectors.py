"""Reads of accounts shared by pages."""

from django.db.models import QuerySet

from .models import Membership, NationalityChange, NationalityChangeStatus, User


def memberships_of(user: User) -> QuerySet[Membership]:
    """The user's memberships with their programmes, oldest first (one query)."""
    return Membership.objects.filter(user=user).select_related("programme").order_by("joined_at")


def pending_nationality_change(user: User) -> NationalityChange | None:
    """The user's request for a new nationality that awaits a moderator, if any (one query)."""
    return NationalityChange.objects.filter(user=user, status=NationalityChangeStatus.PENDING).first()
