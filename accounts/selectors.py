"""Reads of accounts shared by pages."""

from django.db.models import QuerySet

from .models import Membership, User


def memberships_of(user: User) -> QuerySet[Membership]:
    """The user's memberships with their programmes, oldest first (one query)."""
    return Membership.objects.filter(user=user).select_related("programme").order_by("joined_at")
