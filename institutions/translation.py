from modeltranslation.translator import TranslationOptions, register

from .models import Institution


@register(Institution)
class InstitutionTranslationOptions(TranslationOptions):
    fields = ("name",)
    required_languages = ("en", "ko", "ja")
