from modeltranslation.translator import TranslationOptions, register

from .models import Proposal, ProposalVersion, Publication

ALL = ("en", "ko", "ja")


@register(Proposal)
class ProposalTranslationOptions(TranslationOptions):
    fields = ("section", "quote")
    required_languages = ALL


@register(Publication)
class PublicationTranslationOptions(TranslationOptions):
    fields = ("note",)


@register(ProposalVersion)
class ProposalVersionTranslationOptions(TranslationOptions):
    fields = ("title", "summary", "body")
    required_languages = ALL
