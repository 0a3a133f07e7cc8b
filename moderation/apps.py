from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "moderation"
    verbose_name = _("Moderation")

    def ready(self):
        # The admin (deliberation.apps.DeliberationAdminConfig, earlier in INSTALLED_APPS) has
        # discovered every admin module by now.
        from django.contrib import admin

        from core import sections

        from . import personaldata  # noqa: F401  (registers with core.personaldata)
        from .sections import comment_report_controls

        sections.contribute_control("comment", comment_report_controls)
        from .adminactions import attach

        attach(admin.site)
