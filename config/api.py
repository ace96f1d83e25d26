"""One error shape for the whole API: {"message": str, "extra": {...}} (HackSoft Styleguide)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, pagination, serializers, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler


class ApplicationError(Exception):
    """A domain error with a message fit for the user, and an HTTP status (default 400)."""

    status_code = 400

    def __init__(self, message: str, *, status_code: int | None = None, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}
        if status_code is not None:
            self.status_code = status_code


class PageNumberPagination(pagination.PageNumberPagination):
    """DRF's pages, saying why a page does not exist (Django's paginator knows) instead of
    "Invalid page.": "page 0: That page number is less than 1.". `?page_size=` (at most 100)
    as on /api/videos/ and /api/search/: without it here, a script asking for 100 jobs a page
    got 20 and no word why."""

    invalid_page_message = "page {page_number}: {message}."
    page_size_query_param = "page_size"
    max_page_size = 100


def started_response(data: dict, *, created: bool) -> Response:
    """The answer to a request that starts background work: 202 Accepted when it started it,
    200 when the same work was already under way, pointing at where to follow it either way."""
    code = status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK
    return Response(data, status=code, headers={"Location": data["url"]})


class ErrorSerializer(serializers.Serializer):
    """The body of every 4xx/5xx answer, for the OpenAPI schema."""

    message = serializers.CharField()
    extra = serializers.DictField(required=False)


def _first_message(detail: Any) -> str:
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    if isinstance(detail, dict) and detail:
        key, value = next(iter(detail.items()))
        inner = _first_message(value)
        return inner if key in ("non_field_errors", "detail") else f"{key}: {inner}"
    return str(detail)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response({"message": exc.message, "extra": exc.extra}, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "message": _first_message(response.data),
            "extra": {"fields": response.data},
        }
    else:
        response.data = {"message": _first_message(response.data), "extra": {}}
    return response


PAGINATED_PREFIX = "#/components/schemas/Paginated"


def schema_add_common_errors(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: the errors every operation can answer, which no
    view declares one by one. A 401 wherever a token is read (none where one is needed, or a
    wrong one anywhere: DRF refuses a bad token even where anonymous callers are welcome), and
    a 404 for a page past the last of a paged list (or a page or cursor that is none)."""
    unauthorized = {
        "description": "No credentials where they are needed, or a wrong token "
        "(WWW-Authenticate: Token)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    past_the_end = {
        "description": "A page past the last, or a page number or cursor that is not one",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            if any("tokenAuth" in scheme for scheme in operation.get("security", [])):
                responses.setdefault("401", unauthorized)
            ok = responses.get("200", {}).get("content", {}).get("application/json", {})
            if ok.get("schema", {}).get("$ref", "").startswith(PAGINATED_PREFIX):
                responses.setdefault("404", past_the_end)
    return result
