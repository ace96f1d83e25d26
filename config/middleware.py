"""Pages answer with an error page, never a traceback, when PostgreSQL or Redis is down."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import OperationalError as DatabaseError
from django.http import HttpRequest, HttpResponse
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
