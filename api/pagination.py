"""Pages of at most 100 items in a stable order (every ordering ends with the primary key)."""

from rest_framework.pagination import CursorPagination, PageNumberPagination

MAX_PAGE_SIZE = 100


class PagePagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


class CommentCursorPagination(CursorPagination):
    """Comments in the order they were written; a cursor stays valid while new ones arrive."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = ("created_at", "pk")
