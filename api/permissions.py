"""Scopes: a valid key without the scope an endpoint needs gets 403.

The schema states each operation's scopes from the same permission classes (``required_scopes``),
so what is documented is what is checked."""

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


class CanManageWebhooks(_HasScope):
    scope = Scope.WEBHOOKS


class AnyScope(permissions.BasePermission):
    """Any valid key, whatever its scopes (e.g. to ask who one is)."""

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, InstitutionAPIKey)


def required_scopes(view) -> list[str] | None:
    """The scopes a key needs for ``view``, read from the permission classes that check them:
    ``[]`` when any valid key will do, None when the view takes no key at all."""
    if not view.get_authenticators():
        return None
    return sorted(
        {str(permission.scope) for permission in view.get_permissions() if isinstance(permission, _HasScope)}
    )
