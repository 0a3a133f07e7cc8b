from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TranslationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "translations"
    verbose_name = _("Translations")

    def ready(self):
        # The proposal's own text lives below this floor: this app registers it itself. The
        # features above register their texts from their own AppConfig.ready.
        from . import personaldata, proposal_text  # noqa: F401  (personal data kinds)

        proposal_text.register()
