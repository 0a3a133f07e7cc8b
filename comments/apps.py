from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "comments"
    verbose_name = _("Comments")

    def ready(self):
        from core import sections

        from . import personaldata  # noqa: F401  (registers with core.personaldata)
        from .sections import amendment_section
        from .translatable import register_texts

        # The discussion under an amendment, on the amendment's page (amendments.sections).
        sections.contribute("amendment", amendment_section)
        # Comment bodies can be translated (translations.registry).
        register_texts()
