"""Demo accounts for ``make run``. Their passwords are public, so they exist only in development."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction

from .consent import consents_give
from .models import Membership, Nationality, Programme, User
from .permissions import MODERATOR_GROUP


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    password: str
    display_name: str
    nationality: str
    language: str
    is_moderator: bool = False


DEMO_ACCOUNTS = [
    DemoAccount(
        "Korean participant", "minji@example.com", "demo-minji-2026", "민지", Nationality.KOREA, "ko"
    ),
    DemoAccount(
        "Japanese participant", "haruto@example.com", "demo-haruto-2026", "陽翔", Nationality.JAPAN, "ja"
    ),
    DemoAccount(
        "Moderator",
        "moderator@example.com",
        "demo-moderator-2026",
        "Moderator",
        Nationality.OTHER,
        "en",
        is_moderator=True,
    ),
]


@transaction.atomic
def create_demo_accounts() -> list[User]:
    users = []
    programmes = list(Programme.objects.all())
    for account in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(
            email=account.email,
            defaults={
                "display_name": account.display_name,
                "nationality": account.nationality,
                "preferred_language": account.language,
                "is_staff": account.is_moderator,
            },
        )
        if created:
            user.set_password(account.password)
            user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(
            user=user, email=account.email, defaults={"verified": True, "primary": True}
        )
        if not user.has_current_consent:
            # Demo people have read the notice; the research use stays their (here: no) choice.
            consents_give(user=user, participation=True, cross_border=True, research=False)
        for programme in programmes:
            Membership.objects.get_or_create(user=user, programme=programme)
        if account.is_moderator:
            user.groups.add(Group.objects.get(name=MODERATOR_GROUP))
        users.append(user)
    return users
