import datetime as dt

import factory
from allauth.account.models import EmailAddress
from django.conf import settings

from accounts.models import Membership, Nationality, Programme, User
from institutions.models import new_webhook_secret
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
    # Consented at sign-up to the notice in force (tests of consent set it otherwise).
    policy_version = factory.LazyFunction(lambda: settings.PRIVACY_POLICY_VERSION)

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


# --- ratings ---------------------------------------------------------------------------------------


class RatingFactory(factory.django.DjangoModelFactory):
    """A rating given through ``ratings.services.rating_set``, so the aggregates stay exact.

    The rater becomes a member of the proposal's programme first; the window must be open.
    """

    class Meta:
        model = "ratings.Rating"

    user = factory.SubFactory(UserFactory)
    proposal = factory.SubFactory(ProposalFactory)
    criterion = "importance"
    score = 3

    @classmethod
    def _create(cls, model_class, *, user, proposal, criterion, score, **kwargs):
        from ratings.services import rating_set

        Membership.objects.get_or_create(user=user, programme=proposal.programme)
        return rating_set(user=user, proposal=proposal, criterion=criterion, score=score)


# --- comments --------------------------------------------------------------------------------------


class CommentFactory(factory.django.DjangoModelFactory):
    """A comment written straight to the database (no permission checks, no notification).

    ``root``, ``depth``, ``proposal`` and ``amendment`` follow ``parent`` when one is given, and the
    parent's ``reply_count`` goes up, as ``comments.services.comment_create`` would do.
    """

    class Meta:
        model = "comments.Comment"

    parent = None
    proposal = factory.LazyAttribute(lambda o: o.parent.proposal if o.parent else ProposalFactory())
    amendment = factory.LazyAttribute(lambda o: o.parent.amendment if o.parent else None)
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Comment number {n}")
    language = "ko"

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        from django.db.models import F

        if parent is not None:
            kwargs.update(depth=parent.depth + 1, root_id=parent.root_id)
        comment = super()._create(model_class, *args, parent=parent, **kwargs)
        if parent is None:
            comment.root_id = comment.pk
            model_class.objects.filter(pk=comment.pk).update(root_id=comment.pk)
        else:
            model_class.objects.filter(pk=parent.pk).update(reply_count=F("reply_count") + 1)
            parent.reply_count += 1
        # The proposal's counters, as comment_create moves them (comments.counters).
        moved = {}
        if comment.deleted_at is None and comment.hidden_at is None:
            moved["comment_count"] = F("comment_count") + 1
        if comment.deleted_at is None and comment.amendment_id is None:
            moved["discussion_count"] = F("discussion_count") + 1
        if moved:
            type(comment.proposal).objects.filter(pk=comment.proposal_id).update(**moved)
        return comment


# --- amendments ------------------------------------------------------------------------------------


class AmendmentFactory(factory.django.DjangoModelFactory):
    """An open amendment written straight to the database (no permission checks) against the
    proposal's current version; ``original_text`` is snapshotted from it as the service does."""

    class Meta:
        model = "amendments.Amendment"

    proposal = factory.SubFactory(ProposalFactory)
    base_version = factory.LazyAttribute(lambda o: o.proposal.current_version)
    field = "body"
    language = "ja"
    original_text = factory.LazyAttribute(lambda o: getattr(o.base_version, f"{o.field}_{o.language}"))
    new_text = factory.LazyAttribute(lambda o: o.original_text + " (amended)")
    rationale = "Clearer wording."
    author = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from django.db.models import F

        amendment = super()._create(model_class, *args, **kwargs)
        if amendment.state == "accepted":
            # The dashboard's counter, as acceptance moves it.
            type(amendment.proposal).objects.filter(pk=amendment.proposal_id).update(
                accepted_amendment_count=F("accepted_amendment_count") + 1
            )
        return amendment


class AmendmentVoteFactory(factory.django.DjangoModelFactory):
    """A vote given through ``amendments.services.amendment_vote``, so the counters stay exact.

    The voter becomes a member of the proposal's programme first; the window must be open.
    """

    class Meta:
        model = "amendments.AmendmentVote"

    user = factory.SubFactory(UserFactory)
    amendment = factory.SubFactory(AmendmentFactory)
    value = "support"

    @classmethod
    def _create(cls, model_class, *, user, amendment, value, **kwargs):
        from amendments.services import amendment_vote

        Membership.objects.get_or_create(user=user, programme=amendment.proposal.programme)
        return amendment_vote(user=user, amendment=amendment, value=value)


# --- progress --------------------------------------------------------------------------------------


class MilestoneFactory(factory.django.DjangoModelFactory):
    """A milestone written straight to the database (no services: stages are not recomputed).

    Published by default, with evidence, in Korea; call ``progress.services.stages_recompute`` to
    bring the proposal's stages in step.
    """

    class Meta:
        model = "progress.Milestone"

    proposal = factory.SubFactory(ProposalFactory)
    date = factory.Sequence(lambda n: dt.date(2025, 1, 1) + dt.timedelta(days=n))
    stage = "submitted"
    jurisdiction = "KR"
    institution = "Ministry of Foreign Affairs"
    title_en = factory.Sequence(lambda n: f"Milestone {n}")
    title_ko = factory.Sequence(lambda n: f"이정표 {n}")
    title_ja = factory.Sequence(lambda n: f"マイルストーン {n}")
    description_en = "What happened."
    description_ko = "무슨 일이 있었는지."
    description_ja = "何があったか。"
    evidence_url = "https://example.org/evidence"
    evidence_reference = "Press release No. 12"
    evidence_quote = "The ministry will submit the plan."
    status = "published"


# --- institutions (API keys, webhooks) -------------------------------------------------------------


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "institutions.Institution"

    name_en = factory.Sequence(lambda n: f"Ministry {n}")
    name_ko = factory.Sequence(lambda n: f"부처 {n}")
    name_ja = factory.Sequence(lambda n: f"省庁 {n}")
    country = "KR"
    contact_email = factory.Sequence(lambda n: f"contact{n}@ministry.example")


class InstitutionAPIKeyFactory(factory.django.DjangoModelFactory):
    """An API key made as the admin makes it (hashed); the full key text is on ``.key``, as only
    the creator ever sees it."""

    class Meta:
        model = "institutions.InstitutionAPIKey"

    institution = factory.SubFactory(InstitutionFactory)
    name = factory.Sequence(lambda n: f"key {n}")
    scopes = factory.LazyFunction(lambda: ["read"])
    expiry_date = None

    @classmethod
    def _create(cls, model_class, *, institution, name, scopes, expiry_date, **kwargs):
        from institutions.keys import api_key_create

        api_key, key = api_key_create(
            institution=institution, name=name, scopes=scopes, expiry_date=expiry_date
        )
        api_key.key = key
        return api_key


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "institutions.WebhookEndpoint"

    institution = factory.SubFactory(InstitutionFactory)
    url = "http://127.0.0.1:9/hook"
    # A real Standard Webhooks secret: "secret-<n>-…" decoded as base64 only for some n.
    secret = factory.LazyFunction(new_webhook_secret)


# --- moderation ------------------------------------------------------------------------------------


class ReportFactory(factory.django.DjangoModelFactory):
    """A report written straight to the database (no permission checks, no automatic hiding, no
    audit); on a new comment unless ``comment=None, amendment=...`` is given. Use
    ``moderation.services.report_create`` to go through the threshold."""

    class Meta:
        model = "moderation.Report"

    reporter = factory.SubFactory(UserFactory)
    comment = factory.SubFactory(CommentFactory)
    amendment = None
    reason = "spam"
    reporter_nationality = factory.LazyAttribute(lambda o: o.reporter.nationality)
