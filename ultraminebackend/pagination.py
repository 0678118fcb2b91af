"""Pagination shared by every list: ``?page=N&page_size=M``, M capped at 100.

Anything but positive integers is a 400 naming the parameter; see docs/request-limits.md.
"""

from rest_framework import pagination
from rest_framework.exceptions import ValidationError

MAX_PAGE_SIZE = 100


def _positive_int(request, name: str) -> int | None:
    """The parameter as a positive integer, None when absent; a 400 otherwise."""
    value = request.query_params.get(name)
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()) or int(value) < 1:
        raise ValidationError({name: ["A positive integer is required."]})
    return int(value)


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    last_page_strings = ()  # no "?page=last": page is a number, as the schema says

    def get_page_size(self, request):
        size = _positive_int(request, self.page_size_query_param)
        return self.page_size if size is None else min(size, self.max_page_size)

    def get_page_number(self, request, paginator):
        return _positive_int(request, self.page_query_param) or 1

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Number of results to return per page (default {self.page_size}; "
                    f"larger values are capped at {self.max_page_size})."
                )
        return parameters
