from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstitutionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "institutions"
    verbose_name = _("Partner institutions")

    def ready(self):
        from progress.signals import stage_changed

        from .signals import on_stage_changed

        stage_changed.connect(on_stage_changed, dispatch_uid="institutions.webhooks.stage_changed")

        # The admin (earlier in INSTALLED_APPS) has discovered every admin module by now.
        from django.contrib import admin

        from .admin import attach_report_columns

        attach_report_columns(admin.site)
