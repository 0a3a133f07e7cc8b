"""What every admin screen gets from the admin site (``deliberation.admin.DeliberationAdminSite``
mixes these into each registered ModelAdmin, so no admin can forget them)."""

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.db import DataError


class BoundedChangeList(ChangeList):
    """A change list whose filters cannot overflow: ``?created_at__year=99999999999`` (a date
    Python cannot build) or ``?actor__id__exact=99999999999999999999`` (an integer the database
    cannot hold) is an incorrect lookup, which the admin answers by redirecting with ``?e=1``,
    instead of a 500."""

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except (OverflowError, DataError) as error:
            raise IncorrectLookupParameters(error) from error

    def get_results(self, request):
        try:
            return super().get_results(request)
        except (OverflowError, DataError) as error:
            raise IncorrectLookupParameters(error) from error


class BoundedFiltersMixin:
    def get_changelist(self, request, **kwargs):
        return BoundedChangeList
