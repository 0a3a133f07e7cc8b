from modeltranslation.translator import TranslationOptions, register

from .models import Citation, Proposal, ProposalVersion, Publication, PublicationAuthor

ALL = ("en", "ko", "ja")


@register(Proposal)
class ProposalTranslationOptions(TranslationOptions):
    fields = ("section", "quote")
    required_languages = ALL


@register(Publication)
class PublicationTranslationOptions(TranslationOptions):
    # The title stays the paper's own (English) unless we supplied a descriptive one.
    fields = ("title", "series", "publisher", "note")
    required_languages = {"en": ("title",)}


@register(PublicationAuthor)
class PublicationAuthorTranslationOptions(TranslationOptions):
    fields = ("name", "affiliation")
    required_languages = {"en": ("name",)}


@register(Citation)
class CitationTranslationOptions(TranslationOptions):
    fields = ("section", "quote")
    required_languages = ALL


@register(ProposalVersion)
class ProposalVersionTranslationOptions(TranslationOptions):
    fields = ("title", "summary", "body")
    required_languages = ALL
