from modeltranslation.translator import TranslationOptions, register

from .models import Milestone


@register(Milestone)
class MilestoneTranslationOptions(TranslationOptions):
    fields = ("title", "description")
    required_languages = {"en": ("title",), "ko": ("title",), "ja": ("title",)}
