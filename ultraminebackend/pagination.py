"""Pagination shared by every list: ``?page=N&page_size=M`` with M capped at 100."""

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 100
