from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AmendmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "amendments"
    verbose_name = _("Amendments")

    def ready(self):
        from . import personaldata  # noqa: F401  (registers with core.personaldata)
        from .translatable import register_texts

        # Rationales and proposed texts can be translated (translations.registry).
        register_texts()
