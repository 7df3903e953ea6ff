"""Cursor pagination in the order the list's `sort` asks for.

A list's order may be by relevance to a search, or by fuzzy dates that are often unknown, so the
cursor is an opaque, signed position in that order rather than the values of one column. Nothing
is counted: a page reads one row more than it shows, to know whether another follows.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from ..models.base import rows_by_keys

SALT = "agreements.api.cursor"
MAX_PAGE_SIZE = 200


class ListCursorPagination(BasePagination):
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def page_size(self, request) -> int:
        given = request.query_params.get(self.page_size_query_param, "")
        if not given:
            return settings.API_PAGE_SIZE
        if not given.isascii() or not given.isdigit() or not 1 <= int(given) <= MAX_PAGE_SIZE:
            message = _("Give a whole number of records per page from 1 to %(most)d.") % {"most": MAX_PAGE_SIZE}
            raise ValidationError({self.page_size_query_param: [message]})
        return int(given)

    def position(self, request) -> int:
        cursor = request.query_params.get(self.cursor_query_param)
        if not cursor:
            return 0
        try:
            position = signing.loads(cursor, salt=SALT)
        except signing.BadSignature:
            position = None
        if not isinstance(position, int) or position < 0:
            raise NotFound(_("This cursor is not valid: follow the next and previous links as given."))
        return position

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.start, self.size = self.position(request), self.page_size(request)
        rows = rows_by_keys(queryset, self.start, self.start + self.size + 1)
        self.has_next = len(rows) > self.size
        return rows[: self.size]

    def link(self, position: int | None) -> str | None:
        if position is None:
            return None
        url = self.request.build_absolute_uri()
        if position == 0:
            return remove_query_param(url, self.cursor_query_param)
        return replace_query_param(url, self.cursor_query_param, signing.dumps(position, salt=SALT))

    def get_paginated_response(self, data):
        following = self.start + self.size if self.has_next else None
        preceding = max(self.start - self.size, 0) if self.start > 0 else None
        return Response({"next": self.link(following), "previous": self.link(preceding), "results": data})

    def get_paginated_response_schema(self, schema):
        link = {"type": ["string", "null"], "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The page's position, from a `next` or `previous` link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Records per page, at most {MAX_PAGE_SIZE}.",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]
