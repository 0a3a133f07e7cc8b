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

        # Verified API keys are remembered in the cache (keys.remember): every change to a key or
        # its institution, whichever code saves it, makes the next request read the database.
        from django.db.models.signals import post_delete, post_save, pre_delete

        from . import keys
        from .models import Institution, InstitutionAPIKey

        post_save.connect(keys.forget_key, sender=InstitutionAPIKey, dispatch_uid="institutions.keys.saved")
        post_delete.connect(
            keys.forget_key, sender=InstitutionAPIKey, dispatch_uid="institutions.keys.deleted"
        )
        post_save.connect(
            keys.forget_institution_keys,
            sender=Institution,
            dispatch_uid="institutions.keys.institution_saved",
        )
        pre_delete.connect(
            keys.forget_institution_keys,
            sender=Institution,
            dispatch_uid="institutions.keys.institution_deleted",
        )

        # The admin (earlier in INSTALLED_APPS) has discovered every admin module by now.
        from django.contrib import admin

        from .admin import attach_report_columns

        attach_report_columns(admin.site)
