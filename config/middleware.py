"""Pages answer with an error page, never a traceback, when PostgreSQL or Redis is down; the
admin refuses a NUL in its query parameters."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import OperationalError as DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

_OUTAGES: tuple[tuple[type[BaseException], str], ...] = (
    (DatabaseError, "PostgreSQL"),
    (RedisConnectionError, "Redis"),
    (RedisTimeoutError, "Redis"),
    (ConnectionInterrupted, "Redis"),
)


class ServiceUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        for exc_type, service in _OUTAGES:
            if isinstance(exception, exc_type):
                logger.error(
                    "%s unavailable while serving %s: %s", service, request.path, exception
                )
                return service_unavailable(request, service)
        return None


def service_unavailable(request: HttpRequest, service: str) -> HttpResponse:
    message = f"{service} is not reachable right now. Please try again in a minute."
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse({"message": message, "extra": {"service": service}}, status=503)
    try:
        body = render_to_string("errors/503.html", {"message": message, "service": service})
    except Exception:
        body = f"<h1>Service unavailable</h1><p>{message}</p>"
    return HttpResponse(body, status=503)


DATE_PARTS = ("__year", "__month", "__day")


def admin_parameter_problem(params) -> str | None:
    """What no admin list can take in these query parameters, or None. PostgreSQL text cannot
    hold NUL, and the admin hands its list filters' values (`?status__exact=...`) to the
    database as typed: a DataError. Its date drill-down (`?created_at__year=...`) builds a date
    of the numbers: past a C int that is an OverflowError (Django catches ValueError only)."""
    for key, values in params.lists():
        for value in values:
            if "\x00" in key or "\x00" in value:
                return "The address holds a NUL character (%00), which no field can hold."
            if key.endswith(DATE_PARTS) and value.isdigit() and len(value) > 4:
                return f"{key}={value[:20]}: not a year, month or day."
    return None


class AdminParameterMiddleware:
    """A 400 with the reason for an admin address that no list can take (a 500 before); the
    site's own pages and API read their parameters themselves (a NUL in a search separates
    words, in a video id it is a 404)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/admin/"):
            problem = admin_parameter_problem(request.GET)
            if problem:
                return HttpResponseBadRequest(problem, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
