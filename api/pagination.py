"""Pages of at most 100 items in a stable order (every ordering ends with the primary key)."""

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination, PageNumberPagination

MAX_PAGE_SIZE = 100


class StrictPageSize:
    """``page_size`` must be a positive integer, as the schema says; DRF would quietly ignore
    ``page_size=null`` or ``page_size=-3``. Sizes above the maximum are capped, as documented."""

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        # Any positive whole number (the schema sets no maximum): long ones are capped unparsed.
        digits = raw.strip()
        if not (digits.isascii() and digits.isdigit()) or not digits.strip("0"):
            raise serializers.ValidationError({self.page_size_query_param: [_("Use a whole number from 1.")]})
        return self.max_page_size if len(digits) > 6 else min(int(digits), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] in (self.page_size_query_param, getattr(self, "page_query_param", None)):
                parameter["schema"]["minimum"] = 1
        return parameters


class PagePagination(StrictPageSize, PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


class CommentCursorPagination(StrictPageSize, CursorPagination):
    """Comments in the order they were written; a cursor stays valid while new ones arrive."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = ("created_at", "pk")

    def decode_cursor(self, request):
        # DRF answers a cursor it cannot read with 404, as if the comments were gone: it is bad
        # input, and says so.
        invalid = serializers.ValidationError(
            {self.cursor_query_param: [_("This cursor is not valid: start again from the first page.")]}
        )
        try:
            cursor = super().decode_cursor(request)
        except NotFound as error:
            raise invalid from error
        # The position is compared with created_at: one that is not a date and time would fail in
        # the database (a 500) instead of here.
        if cursor is not None and cursor.position is not None and parse_datetime(cursor.position) is None:
            raise invalid
        return cursor
