from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.text import without_bidi_controls


class Nationality(models.TextChoices):
    KOREA = "KR", _("Korea")
    JAPAN = "JP", _("Japan")
    OTHER = "OTHER", pgettext_lazy("nationality", "Other")


class AgeBand(models.TextChoices):
    """Asked at sign-up instead of a birthdate: enough to apply the guardian-consent ages."""

    UNDER_14 = "under14", _("Under 14")
    FROM_14 = "14-15", _("14–15")
    FROM_16 = "16-17", _("16–17")
    ADULT = "18+", _("18 or over")


# The youngest age in each band: a band needs a guardian when anyone in it may be under the age.
AGE_BAND_FROM = {AgeBand.UNDER_14: 0, AgeBand.FROM_14: 14, AgeBand.FROM_16: 16, AgeBand.ADULT: 18}
MINOR_BANDS = (AgeBand.UNDER_14, AgeBand.FROM_14, AgeBand.FROM_16)


class NotificationFrequency(models.TextChoices):
    IMMEDIATELY = "immediately", _("Immediately")
    DAILY = "daily", _("Daily digest")
    OFF = "off", _("Off")


class ContributionDisplay(models.TextChoices):
    """How a participant reads what others wrote in another language."""

    TRANSLATED = "translated", _("In my language, when a translation exists")
    ORIGINAL = "original", _("As written")


class UserManager(BaseUserManager):
    """Users log in with their email address; there is no username."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not extra_fields["is_staff"] or not extra_fields["is_superuser"]:
            raise ValueError("A superuser must have is_staff and is_superuser set.")
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(
        _("display name"), max_length=60, blank=True, help_text=_("Shown next to what you write.")
    )
    nationality = models.CharField(
        _("nationality"),
        max_length=5,
        choices=Nationality.choices,
        default=Nationality.OTHER,
        help_text=_("Self-declared. Shown publicly only as a small badge and in aggregates."),
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    affiliation = models.CharField(_("affiliation"), max_length=200, blank=True)
    contributions = models.CharField(
        _("show contributions"),
        max_length=12,
        choices=ContributionDisplay.choices,
        default=ContributionDisplay.TRANSLATED,
        help_text=_("Comments and amendments written in another language: translated, or as written."),
    )
    notification_frequency = models.CharField(
        _("email notifications"),
        max_length=12,
        choices=NotificationFrequency.choices,
        default=NotificationFrequency.IMMEDIATELY,
        help_text=_("Replies to you, decisions on your amendments, progress of proposals you took part in."),
    )
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)
    suspended_until = models.DateTimeField(
        _("suspended until"), null=True, blank=True, help_text=_("Empty while suspended means indefinitely.")
    )
    suspension_reason = models.TextField(_("reason for suspension"), blank=True)
    # The current state of consent, kept beside the account so that every page can check it
    # without a query; ``Consent`` rows are the record (who, what, which version, when).
    policy_version = models.CharField(
        _("privacy notice consented to"),
        max_length=20,
        blank=True,
        help_text=_("Version of the privacy notice whose required consents were given; empty: none yet."),
    )
    research_consent = models.BooleanField(_("research use consented"), default=False)
    age_band = models.CharField(
        _("age"),
        max_length=8,
        choices=AgeBand.choices,
        blank=True,
        help_text=_("Empty for accounts made before the age was asked."),
    )
    # Set while a guardian's (or the organiser's) consent is in force; cleared when withdrawn.
    guardian_consent_at = models.DateTimeField(_("guardian consent since"), null=True, blank=True)
    # Moves (accounts.standing) whenever what participation asks of other tables changes: a
    # verified email address, a membership. The answer is kept in the cache under it.
    standing_stamp = models.PositiveIntegerField(_("standing stamp"), default=0, editable=False)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique")]

    def __str__(self) -> str:
        return self.display_name or self.email

    def save(self, *args, **kwargs):
        """A full save of a row loaded earlier must not write back an older ``standing_stamp``:
        an answer kept under that stamp could be stale (accounts.standing). It moves only there."""
        if self.pk is not None and not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "standing_stamp"
            ]
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.display_name or self.email

    def get_short_name(self) -> str:
        # The admin greets staff with this; the default would be the email address.
        return self.display_name or self.email.split("@")[0]

    @property
    def has_current_consent(self) -> bool:
        """Whether the required consents were given to the privacy notice in force (no query)."""
        return self.policy_version == settings.PRIVACY_POLICY_VERSION

    @property
    def is_minor(self) -> bool:
        """Under 18 (by the declared band): affiliation never shown, identifiers never exported."""
        return self.age_band in MINOR_BANDS

    @property
    def needs_guardian_consent(self) -> bool:
        """Whether the band may be under the guardian-consent age for the nationality
        (``settings.GUARDIAN_CONSENT_AGE``: Korea 14, Japan 16 by default). No query."""
        if not self.is_minor:
            return False
        ages = settings.GUARDIAN_CONSENT_AGE
        return AGE_BAND_FROM[AgeBand(self.age_band)] < ages.get(self.nationality, ages["OTHER"])

    @property
    def shown_affiliation(self) -> str:
        return "" if self.is_minor else self.affiliation

    @property
    def shared_name(self) -> str:
        """The name the API and exports carry: never a minor's."""
        return str(_("Young participant")) if self.is_minor else self.public_name

    def is_suspended(self, now=None) -> bool:
        if self.suspended_at is None:
            return False
        return self.suspended_until is None or self.suspended_until > (now or timezone.now())

    @property
    def public_name(self) -> str:
        """The name shown to other participants: never the email address, and without the
        invisible characters that would make it read otherwise than it is stored."""
        if self.email == WITHDRAWN_EMAIL:
            return str(_("Withdrawn participant"))
        return without_bidi_controls(self.display_name) or _("Participant")


class Programme(models.Model):
    """A dialogue programme: the group of participants who deliberate on its proposals."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("deliberation opens on"))
    ends_on = models.DateField(_("deliberation closes on"), null=True, blank=True)
    is_open = models.BooleanField(
        _("open to join"), default=True, help_text=_("Closed programmes need an invite code to join.")
    )
    invite_code = models.CharField(_("invite code"), max_length=40, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Membership",
        related_name="programmes",
        blank=True,
        verbose_name=_("members"),
    )

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["starts_on", "slug"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                name="accounts_programme_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("proposals:list")

    def is_in_session(self, today=None) -> bool:
        """Whether the deliberation window is open today (in the site's time zone)."""
        today = today or timezone.localdate()
        return self.starts_on <= today and (self.ends_on is None or today <= self.ends_on)


class Membership(models.Model):
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("programme")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("participant"),
    )
    joined_at = models.DateTimeField(_("joined at"), default=timezone.now)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["programme", "user"], name="accounts_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.programme}"


class NationalityChangeStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a moderator")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


class NationalityChange(models.Model):
    """A participant's request to change the nationality they declared at sign-up.

    Nationality decides which group a participant's reports and ratings count in (the
    more-than-one-nationality safeguard, the per-nationality figures), so it is set at sign-up and
    changes afterwards only when a moderator approves (``accounts.services``). Reports, reactions
    and ratings keep the nationality they were made with.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="nationality_changes",
        verbose_name=_("participant"),
    )
    from_nationality = models.CharField(_("previous nationality"), max_length=5, choices=Nationality.choices)
    to_nationality = models.CharField(_("requested nationality"), max_length=5, choices=Nationality.choices)
    reason = models.TextField(_("reason"), max_length=1000, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=NationalityChangeStatus.choices,
        default=NationalityChangeStatus.PENDING,
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )

    class Meta:
        verbose_name = _("nationality change request")
        verbose_name_plural = _("nationality change requests")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="pending"),
                name="accounts_nationalitychange_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_nationality} → {self.to_nationality}"


class ConsentPurpose(models.TextChoices):
    PARTICIPATION = "participation", _("Taking part in the deliberation")
    CROSS_BORDER = "cross_border", _("Transfer of personal data between Korea and Japan")
    RESEARCH = "research", _("Research use of anonymised contributions")


# Without these two nobody takes part; research use is optional.
REQUIRED_PURPOSES = (ConsentPurpose.PARTICIPATION, ConsentPurpose.CROSS_BORDER)


class ConsentMethod(models.TextChoices):
    SELF = "self", _("Given by the participant")
    GUARDIAN = "guardian", _("Given by a guardian through an emailed link")
    ORGANISER = "organiser", _("Attested by the programme organiser for a cohort")


class Consent(models.Model):
    """One answer to one consent question, for one version of the privacy notice: append-only.

    The latest row per purpose is the participant's current answer; ``User.policy_version`` and
    ``User.research_consent`` mirror it (``accounts.consent`` writes both in one transaction).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=20, choices=ConsentPurpose.choices)
    granted = models.BooleanField(_("granted"))
    policy_version = models.CharField(_("privacy notice version"), max_length=20)
    method = models.CharField(
        _("method"), max_length=12, choices=ConsentMethod.choices, default=ConsentMethod.SELF
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["user", "purpose", "-recorded_at"], name="accounts_consent_latest")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()}: {self.granted} ({self.policy_version})"


class GuardianConsentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the guardian")
    GRANTED = "granted", _("Given")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class GuardianConsent(models.Model):
    """A guardian's consent for a participant under the guardian-consent age, asked by email
    (``method`` guardian) or attested for a cohort by the programme organiser (``method``
    organiser, ``attested_by`` the moderator who recorded it). ``accounts.guardians`` writes it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guardian_consents"
    )
    guardian_email = models.EmailField(_("guardian's email address"), blank=True)
    method = models.CharField(_("method"), max_length=12, choices=ConsentMethod.choices)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=GuardianConsentStatus.choices,
        default=GuardianConsentStatus.PENDING,
    )
    policy_version = models.CharField(_("privacy notice version"), max_length=20)
    scope = models.JSONField(_("scope"), default=list, help_text=_("The purposes consented to."))
    note = models.CharField(
        _("note"), max_length=200, blank=True, help_text=_("For an attestation: the cohort.")
    )
    attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("guardian consent")
        verbose_name_plural = _("guardian consents")
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_method_display()}: {self.get_status_display()}"


# The account written contributions are handed to when their author deletes their account.
WITHDRAWN_EMAIL = "withdrawn-participant@invalid"


class DataExport(models.Model):
    """A participant's copy of their data, prepared by the task queue and fetched through an
    emailed link until ``expires_at`` (only by them, logged in)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports")
    token = models.CharField(max_length=64, unique=True)
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    ready_at = models.DateTimeField(_("ready at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"))
    payload = models.JSONField(_("data"), default=dict)

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.requested_at:%Y-%m-%d}"
