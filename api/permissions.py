"""Scopes: a valid key without the scope an endpoint needs gets 403."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from institutions.models import InstitutionAPIKey, Scope


class _HasScope(permissions.BasePermission):
    scope: str = ""
    message = _("This API key does not have the scope this endpoint needs.")
    code = "scope_required"

    def has_permission(self, request, view) -> bool:
        api_key = request.auth
        return isinstance(api_key, InstitutionAPIKey) and api_key.has_scope(self.scope)


class CanRead(_HasScope):
    scope = Scope.READ


class CanReport(_HasScope):
    scope = Scope.REPORT


class AnyScope(permissions.BasePermission):
    """Any valid key, whatever its scopes (e.g. to ask who one is)."""

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, InstitutionAPIKey)
