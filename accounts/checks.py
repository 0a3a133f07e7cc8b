"""System checks: the privacy notice in force exists in every language of the site."""

from django.conf import settings
from django.core import checks
from django.template import TemplateDoesNotExist
from django.template.loader import get_template


def notice_template(version: str, language: str) -> str:
    return f"accounts/privacy/{version}/{language}.html"


@checks.register(checks.Tags.templates)
def privacy_notice_exists(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for language, _name in settings.LANGUAGES:
        name = notice_template(settings.PRIVACY_POLICY_VERSION, language)
        try:
            get_template(name)
        except TemplateDoesNotExist:
            errors.append(
                checks.Error(
                    f"The privacy notice {settings.PRIVACY_POLICY_VERSION} has no {language} text.",
                    hint=f"Write templates/{name}, or set PRIVACY_POLICY_VERSION to a version that exists.",
                    id="accounts.E001",
                )
            )
    return errors
