"""The moderators' admin site: login through allauth (rate-limited, MFA-capable) and an index that
shows what awaits a moderator."""

from allauth.account.decorators import secure_admin_login
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from audit.adminaudit import AuditedAdminMixin
from core.admin import BoundedFiltersMixin

from . import awaiting


def lacks_required_second_factor(user) -> bool:
    """In the production profile staff must have a TOTP authenticator before the admin lets them in."""
    if not settings.ADMIN_REQUIRE_MFA:
        return False
    return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class DeliberationAdminSite(admin.AdminSite):
    site_header = _("Korea–Japan Future Dialogue")
    site_title = _("Korea–Japan Future Dialogue admin")
    index_title = _("Moderation")
    index_template = "admin/deliberation_index.html"

    def register(self, model_or_iterable, admin_class=None, **options):
        """Every ModelAdmin registered here gets the site-wide behaviour: change lists whose
        filters cannot overflow (``core.admin``) and an audit row, with old and new values, for
        every save and delete (``audit.adminaudit``)."""
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, AuditedAdminMixin):
            admin_class = type(
                admin_class.__name__,
                (BoundedFiltersMixin, AuditedAdminMixin, admin_class),
                {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__},
            )
        super().register(model_or_iterable, admin_class, **options)

    def has_permission(self, request) -> bool:
        """Active staff, not suspended, with a second factor where required."""
        user = request.user
        return bool(
            user.is_active
            and user.is_staff
            and not user.is_suspended()
            and not lacks_required_second_factor(user)
        )

    def login(self, request, extra_context=None):
        """The same rate-limited allauth login as the site; then the second-factor requirement."""
        user = request.user
        if user.is_authenticated and user.is_active and user.is_staff and lacks_required_second_factor(user):
            messages.warning(request, _("Set up an authenticator app before using the admin."))
            return redirect(reverse("mfa_activate_totp") + "?next=" + reverse("admin:index"))
        return secure_admin_login(super().login)(request, extra_context)

    def index(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "awaiting": awaiting.summary()}
        return super().index(request, extra_context)
