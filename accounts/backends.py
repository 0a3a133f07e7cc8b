"""The authentication backends, with the signed-in user loaded by a query compiled once.

Every request of a signed-in participant loads their account (``django.contrib.auth.get_user``,
through the backend that signed them in); building and compiling that one-row query was about 8 %
of the gunicorn workers' Python time on make bench's logged-in routes. These are Django's and
allauth's backends with ``get_user`` sending the query compiled once (``core.compiled``); they
sign people in exactly as those do.

A session names the backend that signed it in, so sessions begun under the former paths end when
these replace them: people signed in at that moment sign in once more. Listing the former paths
too would keep those sessions, but every failed sign-in would then hash the password in four
backends instead of two.
"""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from core.compiled import Compiled

_USER = Compiled(lambda pk: get_user_model()._default_manager.filter(pk=pk))


def _get_user(backend, user_id):
    found = _USER(user_id)
    user = found[0] if found else None
    return user if user is not None and backend.user_can_authenticate(user) else None


class ModelBackend(DjangoModelBackend):
    def get_user(self, user_id):
        return _get_user(self, user_id)


class AuthenticationBackend(AllauthBackend):
    def get_user(self, user_id):
        return _get_user(self, user_id)
