import datetime as dt

import factory
from allauth.account.models import EmailAddress

from accounts.models import Membership, Nationality, Programme, User
from proposals.models import PolicyArea, Proposal, ProposalVersion, Publication, PublicationAuthor


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"participant{n}@example.org")
    display_name = factory.Sequence(lambda n: f"Participant {n}")
    nationality = Nationality.KOREA
    preferred_language = "ko"
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    slug = factory.Sequence(lambda n: f"programme-{n}")
    name_en = factory.Sequence(lambda n: f"Programme {n}")
    name_ko = factory.Sequence(lambda n: f"프로그램 {n}")
    name_ja = factory.Sequence(lambda n: f"プログラム {n}")
    starts_on = dt.date(2025, 4, 1)
    is_open = True


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    programme = factory.SubFactory(ProgrammeFactory)


class PublicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Publication
        skip_postgeneration_save = True

    key = factory.Sequence(lambda n: f"paper-{n}")
    title = factory.Sequence(lambda n: f"Working paper {n}")
    series = "Korea-Japan Future Dialogue"
    publisher = "East Asia Institute"

    author = factory.RelatedFactory(
        "tests.factories.PublicationAuthorFactory", factory_related_name="publication"
    )


class PublicationAuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PublicationAuthor

    publication = factory.SubFactory(PublicationFactory, author=None)
    name = factory.Sequence(lambda n: f"Author {n}")
    affiliation = "University"


class ProposalFactory(factory.django.DjangoModelFactory):
    """A proposal with a first version in all three languages, set as its current version."""

    class Meta:
        model = Proposal
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    slug = factory.Sequence(lambda n: f"proposal-{n}")
    position = factory.Sequence(lambda n: n)
    policy_area = PolicyArea.ECONOMY
    publication = factory.SubFactory(PublicationFactory)
    section_en = "II. A section"
    section_ko = "II. 한 절"
    section_ja = "II. ある節"
    quote_en = "A short passage from the paper."
    quote_ko = "논문의 짧은 구절."
    quote_ja = "論文の短い一節。"

    @factory.post_generation
    def version(obj, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        version = ProposalVersionFactory(proposal=obj, number=1, **kwargs)
        obj.current_version = version
        obj.save(update_fields=["current_version"])


class ProposalVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProposalVersion

    proposal = factory.SubFactory(ProposalFactory, version=False)
    number = factory.Sequence(lambda n: n + 1)
    title_en = factory.Sequence(lambda n: f"Proposal title {n}")
    title_ko = factory.Sequence(lambda n: f"제안 제목 {n}")
    title_ja = factory.Sequence(lambda n: f"提案タイトル {n}")
    summary_en = "A summary."
    summary_ko = "요약."
    summary_ja = "要約。"
    body_en = "The body."
    body_ko = "본문."
    body_ja = "本文。"
